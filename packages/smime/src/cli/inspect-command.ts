/**
 * `mcptt-smime inspect`: prints the MIME tree and the CMS structure of a SIP message without
 * any key.
 *
 * @module
 */

import { replaceControlCharacters } from '../cms/certificate.js';
import type { CmsSummary } from '../cms/index.js';
import { inspectCmsContent } from '../cms/inspect.js';
import { isMcpttError, LimitExceededError } from '../errors.js';
import { MAX_NESTING_DEPTH } from '../limits.js';
import { MimeEntity } from '../mime/entity.js';
import { parseMultipart } from '../mime/multipart.js';
import { SipMessage } from '../sip/message.js';
import { messageBodyEntity } from '../smime/sip-body.js';
import { parseOptions } from './arguments.js';
import type { CliIo } from './cli-io.js';
import { INSPECT_USAGE } from './usage.js';

/** One MIME entity of the tree. */
export interface InspectedEntity {
  readonly contentType: string;
  /** Size of the body as carried, in bytes. */
  readonly size: number;
  readonly transferEncoding?: string;
  readonly disposition?: string;
  readonly parts?: readonly InspectedEntity[];
  readonly cms?: CmsSummary;
  /** Reason this entity could not be read further. */
  readonly error?: string;
}

/** The inspected message: start line, Call-ID and body tree. */
export interface InspectedMessage {
  readonly startLine: string;
  readonly callId: string | undefined;
  readonly body: InspectedEntity | undefined;
}

const CMS_TYPES = new Set([
  'application/pkcs7-mime',
  'application/x-pkcs7-mime',
  'application/pkcs7-signature',
  'application/x-pkcs7-signature',
]);

/** Runs `inspect` and returns the exit status. */
export async function runInspect(args: readonly string[], io: CliIo): Promise<number> {
  const values = parseOptions(args, { json: { type: 'boolean' } });
  if (values.help === true) {
    await io.writeStdout(INSPECT_USAGE);
    return 0;
  }

  const inspected = inspectMessage(SipMessage.parse(await io.readStdin()));
  const output = values.json === true ? formatInspectedJson(inspected) : formatInspected(inspected);
  await io.writeStdout(output);
  return inspected.body !== undefined && hasError(inspected.body) ? 1 : 0;
}

/** Returns true when some entity of the tree could not be read. */
function hasError(entity: InspectedEntity): boolean {
  return entity.error !== undefined || (entity.parts ?? []).some(hasError);
}

/** Describes a message and its body tree. */
export function inspectMessage(message: SipMessage): InspectedMessage {
  const start = message.startLine;
  const startLine =
    start.type === 'request'
      ? `${start.method} ${start.requestUri} ${start.version}`
      : `${start.version} ${start.status} ${start.reasonPhrase}`;
  const body = messageBodyEntity(message);
  return {
    startLine,
    callId: message.getHeader('Call-ID'),
    body: body === undefined ? undefined : inspectEntity(body, 1),
  };
}

function inspectEntity(entity: MimeEntity, depth: number): InspectedEntity {
  const transferEncoding = entity.getHeader('Content-Transfer-Encoding');
  const disposition = entity.getHeader('Content-Disposition');
  const base = {
    contentType: entity.getHeader('Content-Type') ?? 'text/plain',
    size: entity.body.length,
    ...(transferEncoding === undefined ? {} : { transferEncoding }),
    ...(disposition === undefined ? {} : { disposition }),
  };
  try {
    const contentType = entity.contentType;
    const isContainer = contentType.type === 'multipart' || CMS_TYPES.has(contentType.mediaType);
    // As in unprotect, the limit counts containers: a leaf under MAX_NESTING_DEPTH of them is fine.
    if (isContainer && depth > MAX_NESTING_DEPTH) {
      throw new LimitExceededError(`MIME and CMS layers nested deeper than ${MAX_NESTING_DEPTH}`);
    }
    if (contentType.type === 'multipart') {
      const boundary = contentType.params.get('boundary') ?? '';
      const parts = parseMultipart(entity.body, boundary).map((part) =>
        inspectEntity(part, depth + 1),
      );
      return { ...base, parts };
    }
    if (CMS_TYPES.has(contentType.mediaType)) {
      const { summary, encapsulatedContent } = inspectCmsContent(entity.decodedBody());
      // An opaque signature carries its MIME entity inside, which needs no key to read.
      if (encapsulatedContent === undefined || summary.encapsulatedContentType !== 'data') {
        return { ...base, cms: summary };
      }
      const inner = inspectEncapsulated(encapsulatedContent, depth + 1);
      return { ...base, cms: summary, parts: [inner] };
    }
    return base;
  } catch (error) {
    if (!isMcpttError(error)) throw error;
    return { ...base, error: `${error.code}: ${error.message}` };
  }
}

/** Describes the MIME entity that an opaque SignedData carries, or why it cannot be read. */
function inspectEncapsulated(content: Uint8Array, depth: number): InspectedEntity {
  try {
    return inspectEntity(MimeEntity.parse(content), depth);
  } catch (error) {
    if (!isMcpttError(error)) throw error;
    const base = { contentType: 'unknown', size: content.length };
    return { ...base, error: `${error.code}: ${error.message}` };
  }
}

/**
 * Formats the tree as JSON. JSON.stringify escapes C0 controls but leaves DEL and C1 controls
 * (such as U+009B, a one-character CSI) as they are, so those are escaped here too.
 */
export function formatInspectedJson(inspected: InspectedMessage): string {
  const json = JSON.stringify(inspected, null, 2).replace(
    /[\u007f-\u009f]/g,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  return `${json}\n`;
}

/** Formats the tree as indented text. */
export function formatInspected(inspected: InspectedMessage): string {
  const lines = [replaceControlCharacters(inspected.startLine)];
  if (inspected.callId !== undefined) {
    lines.push(`Call-ID: ${replaceControlCharacters(inspected.callId)}`);
  }
  if (inspected.body === undefined) lines.push('no body');
  else formatEntity(inspected.body, '', lines);
  return `${lines.join('\n')}\n`;
}

function formatEntity(entity: InspectedEntity, indent: string, lines: string[]): void {
  const encoding = entity.transferEncoding === undefined ? '' : `, ${entity.transferEncoding}`;
  // Header values come from the message, so control characters are replaced as for certificates.
  const contentType = replaceControlCharacters(entity.contentType);
  lines.push(`${indent}${contentType} (${entity.size} bytes${replaceControlCharacters(encoding)})`);
  if (entity.disposition !== undefined) {
    lines.push(`${indent}  disposition: ${replaceControlCharacters(entity.disposition)}`);
  }
  if (entity.error !== undefined) {
    lines.push(`${indent}  error: ${replaceControlCharacters(entity.error)}`);
  }
  if (entity.cms !== undefined) formatCms(entity.cms, `${indent}  `, lines);
  for (const part of entity.parts ?? []) formatEntity(part, `${indent}  `, lines);
}

function formatCms(cms: CmsSummary, indent: string, lines: string[]): void {
  const encryption = cms.contentEncryption === undefined ? '' : `, ${cms.contentEncryption}`;
  lines.push(`${indent}CMS ${cms.contentType} (${cms.size} bytes${encryption})`);
  for (const recipient of cms.recipients ?? []) {
    const id = recipient.id === '' ? '' : ` ${recipient.id}`;
    lines.push(`${indent}  recipient ${recipient.type} ${recipient.keyManagement}${id}`);
  }
  for (const signer of cms.signers ?? []) {
    const time = signer.signingTime === undefined ? '' : ` at ${signer.signingTime}`;
    lines.push(
      `${indent}  signer ${signer.id} ${signer.signatureAlgorithm} ${signer.digestAlgorithm}${time}`,
    );
  }
  for (const certificate of cms.certificates ?? []) {
    // SAN URIs are shown verbatim from the certificate, so control characters are replaced.
    const printable = certificate.uris.map(replaceControlCharacters);
    const uris = printable.length === 0 ? '' : ` ${printable.join(' ')}`;
    lines.push(
      `${indent}  certificate ${certificate.subject} issued by ${certificate.issuer}${uris}`,
    );
  }
  if (cms.encapsulatedContentSize !== undefined) {
    const type = cms.encapsulatedContentType ?? 'data';
    lines.push(`${indent}  encapsulated content ${type}, ${cms.encapsulatedContentSize} bytes`);
  }
}
