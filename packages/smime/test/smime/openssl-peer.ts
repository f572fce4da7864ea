/**
 * Builds S/MIME SIP messages with the openssl CLI, the independent peer of the interop tests.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { utf8Encode } from '../../src/bytes.js';
import { MimeEntity } from '../../src/mime/entity.js';
import type { SipMessage } from '../../src/sip/message.js';
import { withEntityBody } from '../../src/smime/sip-body.js';
import type { CredentialFiles } from './test-pki.js';

/** One openssl step: sign (detached or opaque) or encrypt, with extra openssl arguments. */
export type OpensslStep =
  | {
      readonly op: 'sign';
      readonly signer: CredentialFiles;
      readonly opaque?: boolean;
      readonly args?: readonly string[];
    }
  | {
      readonly op: 'encrypt';
      readonly recipient: CredentialFiles;
      readonly cipher: string;
      readonly args?: readonly string[];
    };

/** Runs openssl cms and returns its output; throws with stderr when it fails. */
export function opensslCms(args: readonly string[], input: Uint8Array): Uint8Array {
  const dir = mkdtempSync(join(tmpdir(), 'mcptt-smime-openssl-'));
  const inPath = join(dir, 'in');
  const outPath = join(dir, 'out');
  writeFileSync(inPath, input);
  execFileSync('openssl', ['cms', ...args, '-in', inPath, '-out', outPath], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  return new Uint8Array(readFileSync(outPath));
}

/**
 * Applies the steps in order to `inner` (a MIME entity as bytes) and returns the resulting
 * S/MIME entity, as openssl writes it (MIME headers, blank line, body).
 */
export function opensslProtect(inner: Uint8Array, steps: readonly OpensslStep[]): Uint8Array {
  let entity = inner;
  for (const step of steps) {
    if (step.op === 'sign') {
      const mode = step.opaque === true ? ['-nodetach'] : [];
      entity = opensslCms(
        [
          '-sign',
          '-signer',
          step.signer.certPath,
          '-inkey',
          step.signer.keyPath,
          '-md',
          'sha256',
          '-binary',
          ...mode,
          ...(step.args ?? []),
        ],
        entity,
      );
    } else {
      entity = opensslCms(
        [
          '-encrypt',
          `-${step.cipher}`,
          '-binary',
          '-recip',
          step.recipient.certPath,
          ...(step.args ?? []),
        ],
        entity,
      );
    }
  }
  return entity;
}

/** Puts an openssl S/MIME entity in place of the body of `message`. */
export function wrapInMessage(message: SipMessage, smime: Uint8Array): SipMessage {
  return withEntityBody(message, MimeEntity.parse(smime));
}

/** Returns the inner MIME entity of the interop tests: mcptt-info with its Content-Type. */
export function innerMcpttInfo(xml: string): Uint8Array {
  return utf8Encode(`Content-Type: application/vnd.3gpp.mcptt-info+xml\r\n\r\n${xml}`);
}
