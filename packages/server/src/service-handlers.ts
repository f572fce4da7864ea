/**
 * Service authorisation and affiliation (3GPP TS 24.379 §7.2, §9.2.2): a REGISTER addressed to
 * the server, or a PUBLISH of poc-settings, signed by the user and carrying protected mcptt-info;
 * and a PUBLISH of a pidf that lists the groups the user affiliates to.
 *
 * @module
 */
import { addressOfRecord, protectedHeaderValues } from '@mcptt-smime/smime';
import { MEDIA_TYPES, partText } from './body-parts.js';
import { inviteLateEntrant } from './call-handlers.js';
import { parseAffiliationGroups } from './mcptt-xml.js';
import { MAX_LIFETIME_SECONDS, type PublicationKind } from './registry.js';
import { openRequest, reject, type OpenedRequest } from './request-guard.js';
import type { ServerContext } from './server-context.js';
import { createResponse, randomToken } from './sip-builder.js';
import type { ServerTransaction } from './transaction-layer.js';

/**
 * Handles a REGISTER to the server's URI (a third-party style registration). The mcptt-info must
 * arrive encrypted, which the default protection policy enforces, and signed by the From user. A
 * REGISTER to any other URI than the server's or its contact's, such as the registrar's domain,
 * gets 403: the core could otherwise pass on a REGISTER meant for its registrar.
 */
export async function handleRegister(
  context: ServerContext,
  transaction: ServerTransaction,
): Promise<void> {
  // An honest core retargets the request to the contact that the server registered.
  const { startLine } = transaction.request;
  const target = startLine.type === 'request' ? addressOfRecord(startLine.requestUri) : '';
  const own = [context.config.serverUri, context.contactUri].map(addressOfRecord);
  if (!own.includes(target)) {
    reject(context, transaction, 403, 'REGISTER not addressed to the server');
    return;
  }
  const opened = await openRequest(context, transaction, true);
  if (opened === undefined || !checkLifetimeSigned(context, transaction, opened)) {
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
  if (!checkPublicationOrder(context, transaction, opened, 'authorisation', expires === 0)) {
    return;
  }
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
  if (opened === undefined || !checkLifetimeSigned(context, transaction, opened)) {
    return;
  }

  const expires = expiresOf(transaction.request.getHeader('Expires'), undefined);
  let joined: string[] = [];
  if (event === 'poc-settings') {
    if (partText(opened.parts, MEDIA_TYPES.mcpttInfo) === undefined) {
      reject(context, transaction, 403, 'mcptt-info missing');
      return;
    }
    if (!checkPublicationOrder(context, transaction, opened, 'authorisation', expires === 0)) {
      return;
    }
    context.registry.authorise(opened.sender, expires);
  } else {
    const pidf = partText(opened.parts, MEDIA_TYPES.pidf);
    if (pidf === undefined) {
      reject(context, transaction, 400, 'pidf body missing');
      return;
    }
    if (!checkPublicationOrder(context, transaction, opened, 'affiliation', expires === 0)) {
      return;
    }
    const requested = expires === 0 ? [] : parseAffiliationGroups(pidf);
    const before = context.registry.affiliatedGroupIds(opened.sender);
    const accepted = context.registry.affiliate(opened.sender, requested, expires);
    joined = accepted.filter((groupId) => !before.has(groupId));
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
  await inviteLateEntrant(context, opened.sender, joined);
}

/**
 * Tells whether the signature covers the fields that set how long an authorisation or an
 * affiliation lasts: Expires, and a Contact with an expires parameter. Unsigned, the core could
 * change them, keeping a user affiliated to a group they left or withdrawing an authorisation.
 * The copies were compared with the fields when the request was opened. Rejects the request with 403 when not.
 */
function checkLifetimeSigned(
  context: ServerContext,
  transaction: ServerTransaction,
  opened: OpenedRequest,
): boolean {
  const request = transaction.request;
  const contact = request.method === 'REGISTER' ? request.getHeader('Contact') : undefined;
  const fields = [
    ...(request.getHeader('Expires') === undefined ? [] : ['Expires']),
    ...(contact !== undefined && /;\s*expires\s*=/i.test(contact) ? ['Contact'] : []),
  ];
  const unsigned = fields.find((name) => protectedHeaderValues(opened.security, name).length === 0);
  if (unsigned === undefined) return true;
  reject(context, transaction, 403, `${unsigned} header field is not signed`);
  return false;
}

/**
 * Tells whether a publication may be applied: not when the user had one of the same kind, signed
 * later, applied already. Rejects it with 403 when not. A publication without signingTime is
 * not ordered.
 */
function checkPublicationOrder(
  context: ServerContext,
  transaction: ServerTransaction,
  opened: OpenedRequest,
  kind: PublicationKind,
  withdraws: boolean,
): boolean {
  const signedAt = opened.security.signingTime?.getTime();
  if (signedAt === undefined) return true;
  if (context.registry.applyPublication(opened.sender, kind, signedAt, withdraws)) return true;
  reject(context, transaction, 403, 'publication signed before one already applied');
  return false;
}

function expiresOf(header: string | undefined, contact: string | undefined): number {
  const fromContact =
    contact === undefined ? undefined : /;\s*expires\s*=\s*(\d+)/i.exec(contact)?.[1];
  const value = Number(fromContact ?? header ?? MAX_LIFETIME_SECONDS);
  return Number.isInteger(value) && value >= 0
    ? Math.min(value, MAX_LIFETIME_SECONDS)
    : MAX_LIFETIME_SECONDS;
}
