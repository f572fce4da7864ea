/**
 * Service authorisation and affiliation (3GPP TS 24.379 §7.2, §9.2.2): a REGISTER addressed to
 * the server, or a PUBLISH of poc-settings, signed by the user and carrying protected mcptt-info;
 * and a PUBLISH of a pidf that lists the groups the user affiliates to.
 *
 * @module
 */
import { MEDIA_TYPES, partText } from './body-parts.js';
import { parseAffiliationGroups } from './mcptt-xml.js';
import { openRequest, reject } from './request-guard.js';
import type { ServerContext } from './server-context.js';
import { createResponse, randomToken } from './sip-builder.js';
import type { ServerTransaction } from './transaction-layer.js';

const DEFAULT_EXPIRES = 3600;

/**
 * Handles a REGISTER to the server's URI (a third-party style registration). The mcptt-info must
 * arrive encrypted, which the default protection policy enforces, and signed by the From user.
 */
export async function handleRegister(
  context: ServerContext,
  transaction: ServerTransaction,
): Promise<void> {
  const opened = await openRequest(context, transaction, true);
  if (opened === undefined) {
    return;
  }
  if (partText(opened.parts, MEDIA_TYPES.mcpttInfo) === undefined) {
    reject(context, transaction, 403, 'mcptt-info missing');
    return;
  }

  const expires = expiresOf(
    transaction.request.getHeader('Expires'),
    opened.message.getHeader('Contact'),
  );
  context.registry.authorise(opened.sender, expires);
  const contact = transaction.request.getHeader('Contact');
  transaction.respond(
    createResponse(transaction.request, 200, {
      toTag: randomToken(),
      headers: [
        ...(contact === undefined ? [] : [{ name: 'Contact', value: contact }]),
        { name: 'Expires', value: String(expires) },
      ],
    }),
  );
}

/** Handles a PUBLISH: `poc-settings` authorises the service, `presence` sets affiliations. */
export async function handlePublish(
  context: ServerContext,
  transaction: ServerTransaction,
): Promise<void> {
  const event = (transaction.request.getHeader('Event') ?? '').split(';')[0]?.trim().toLowerCase();
  if (event !== 'poc-settings' && event !== 'presence') {
    reject(context, transaction, 489, 'unsupported event package');
    return;
  }
  const opened = await openRequest(context, transaction, true);
  if (opened === undefined) {
    return;
  }

  const expires = expiresOf(transaction.request.getHeader('Expires'), undefined);
  if (event === 'poc-settings') {
    if (partText(opened.parts, MEDIA_TYPES.mcpttInfo) === undefined) {
      reject(context, transaction, 403, 'mcptt-info missing');
      return;
    }
    context.registry.authorise(opened.sender, expires);
  } else {
    const pidf = partText(opened.parts, MEDIA_TYPES.pidf);
    if (pidf === undefined) {
      reject(context, transaction, 400, 'pidf body missing');
      return;
    }
    const requested = expires === 0 ? [] : parseAffiliationGroups(pidf);
    const accepted = context.registry.affiliate(opened.sender, requested, expires);
    context.logger.info(
      {
        callId: transaction.request.callId,
        requested: requested.length,
        accepted: accepted.length,
      },
      'affiliation updated',
    );
  }

  transaction.respond(
    createResponse(transaction.request, 200, {
      toTag: randomToken(),
      headers: [
        { name: 'SIP-ETag', value: randomToken() },
        { name: 'Expires', value: String(expires) },
      ],
    }),
  );
}

function expiresOf(header: string | undefined, contact: string | undefined): number {
  const fromContact = contact === undefined ? undefined : /;\s*expires=(\d+)/i.exec(contact)?.[1];
  const value = Number(fromContact ?? header ?? DEFAULT_EXPIRES);
  return Number.isInteger(value) && value >= 0 ? Math.min(value, DEFAULT_EXPIRES) : DEFAULT_EXPIRES;
}
