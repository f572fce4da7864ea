/**
 * The first step of every request: open its protected parts, check the sender, and answer a
 * failure with the status of its error (RFC 3261 §23.2): 493 with the server's certificate in a
 * certs-only body, 403, 400, 413 or 415.
 *
 * @module
 */
import {
  addressOfRecord,
  createCertsOnly,
  createCertsOnlyBody,
  isMcpttError,
  NotSupportedError,
  SMIME_BODY_TYPES,
  unprotectMessage,
  UndecipherableError,
  type AnyMcpttError,
  type SecurityInfo,
  type SipMessage,
} from '@mcptt-smime/smime';
import { entityPart, type BodyPart } from './body-parts.js';
import { protectionPolicyOf, signatureRequired } from './plain-calls.js';
import type { ServerContext } from './server-context.js';
import { createResponse, randomToken, uriOf } from './sip-builder.js';
import type { ServerTransaction } from './transaction-layer.js';

/** A request after its protection was removed and its sender checked. */
export interface OpenedRequest {
  /** The request with plaintext parts. */
  readonly message: SipMessage;
  readonly parts: readonly BodyPart[];
  readonly security: SecurityInfo;
  /** Address-of-record of the sender (From), a configured user. */
  readonly sender: string;
}

/**
 * Largest distance in milliseconds between the signingTime of a signed request and the server's
 * clock, either way. A body signed by a user can be captured by the SIP core and replayed inside
 * another request, which could authorise a user who logged out, bring back groups the user left,
 * or start an emergency call. Five minutes allow for clock skew, and the replay guard remembers
 * each bound request for as long.
 */
export const MAX_SIGNATURE_AGE_MS = 5 * 60_000;

/**
 * The Accept header field of a 415 response, which RFC 3261 §21.4.13 requires: the body types
 * that the server reads, the S/MIME ones included.
 */
export const ACCEPTED_BODY_TYPES = [
  'application/sdp',
  ...SMIME_BODY_TYPES,
  'application/vnd.3gpp.mcptt-info+xml',
  'application/resource-lists+xml',
  'application/pidf+xml',
  'message/sipfrag',
  'text/plain',
].join(', ');

/**
 * Opens a request. Returns undefined after answering it when it cannot be opened, when the sender
 * is not a configured user (403), or when `requireSignature` is set and the request is unsigned
 * (403). The signer certificate of a verified request is stored for later encryption.
 */
export async function openRequest(
  context: ServerContext,
  transaction: ServerTransaction,
  requireSignature: boolean,
): Promise<OpenedRequest | undefined> {
  const request = transaction.request;
  const policy = protectionPolicyOf(context);
  const { revocation } = context.config.identity;
  let opened;
  try {
    opened = await unprotectMessage(request, {
      crypto: context.crypto,
      identity: context.identity,
      trustAnchors: context.trustAnchors,
      revocationLists: context.revocationLists,
      now: context.now,
      ...(policy === undefined ? {} : { policy }),
      ...(revocation === undefined ? {} : { revocation }),
      maxSignatureAge: MAX_SIGNATURE_AGE_MS,
      // A request that a client signed for another user, and that user passed on to the server,
      // names that user in its signed To. A REGISTER's To is the registering user.
      ...(request.method === 'REGISTER' ? {} : { recipientUri: context.config.serverUri }),
      // A client signs the fingerprints of a new session's SDP, so an offer whose fingerprints
      // nothing signs may come from a core that wants into the media path. A session update
      // needs no signature: it must keep the fingerprints that its call set up.
      ...(policy === undefined && requireSignature ? { requireSdpBinding: 'always' as const } : {}),
    });
  } catch (error) {
    if (!isMcpttError(error)) {
      throw error;
    }
    rejectWithError(context, transaction, error);
    return undefined;
  }

  const sender = addressOfRecord(uriOf(request.getHeader('From')) ?? '');
  if (context.registry.user(sender) === undefined) {
    reject(context, transaction, 403, 'sender is not a configured user');
    return undefined;
  }
  if (requireSignature && !opened.security.signed && signatureRequired(context, request.method)) {
    reject(context, transaction, 403, 'request is not signed');
    return undefined;
  }
  // Only requests of configured users are remembered, so that a stranger with a certificate of
  // the CA cannot fill the guard and make it forget a user's requests.
  try {
    context.replayGuard.check(request, opened.security, context.now());
  } catch (error) {
    if (!isMcpttError(error)) throw error;
    rejectWithError(context, transaction, error);
    return undefined;
  }
  if (opened.security.signed && opened.security.signerCertificate !== undefined) {
    context.registry.setCertificate(
      sender,
      opened.security.signerCertificate,
      opened.security.signerIntermediates,
    );
  }

  return {
    // Built when read: most handlers need only the parts.
    get message() {
      return opened.message;
    },
    parts: opened.parts.map(entityPart),
    security: opened.security,
    sender,
  };
}

/**
 * Tells whether the sender of an opened request has a current service authorisation, and
 * rejects the request with 403 when not. A user authorises by a REGISTER or a PUBLISH of
 * poc-settings, and the authorisation lapses after its Expires or when withdrawn.
 */
export function checkAuthorised(
  context: ServerContext,
  transaction: ServerTransaction,
  opened: OpenedRequest,
): boolean {
  if (context.registry.isAuthorised(opened.sender)) return true;
  reject(context, transaction, 403, 'user is not authorised for the service', {
    reasonPhrase: 'Forbidden, not authorised: register first',
  });
  return false;
}

/**
 * Returns the fields of a 415: the media types the server reads, and for a content coding the
 * codings it applies (RFC 3261 §8.2.3).
 */
function unsupportedHeaders(error: AnyMcpttError): { name: string; value: string }[] {
  const headers = [{ name: 'Accept', value: ACCEPTED_BODY_TYPES }];
  if (error instanceof NotSupportedError && error.acceptEncoding !== undefined) {
    headers.push({ name: 'Accept-Encoding', value: error.acceptEncoding });
  }
  return headers;
}

/** Answers a request with the status of an error, logging its code but never its content. */
export function rejectWithError(
  context: ServerContext,
  transaction: ServerTransaction,
  error: AnyMcpttError,
): void {
  let response = createResponse(transaction.request, error.sipStatus, {
    toTag: randomToken(),
    reasonPhrase: error.reasonPhrase,
    ...(error.sipStatus === 415 ? { headers: unsupportedHeaders(error) } : {}),
  });
  if (error instanceof UndecipherableError) {
    const certsOnly = error.certsOnly ?? createCertsOnly([context.identity.certificate]);
    const { body, headers } = createCertsOnlyBody(certsOnly);
    response = response.withBody(body, headers);
  }

  context.logger.warn(
    { callId: transaction.request.callId, method: transaction.request.method, code: error.code },
    'request rejected',
  );
  transaction.respond(response);
}

/**
 * Responds to a request with a status and logs why, without any body content. The reason phrase
 * is the usual one for the status, unless `options.reasonPhrase` names the client's next step.
 */
export function reject(
  context: ServerContext,
  transaction: ServerTransaction,
  status: number,
  reason: string,
  options: { readonly reasonPhrase?: string } = {},
): void {
  context.logger.warn(
    { callId: transaction.request.callId, method: transaction.request.method, status, reason },
    'request rejected',
  );
  const { reasonPhrase } = options;
  transaction.respond(
    createResponse(transaction.request, status, {
      toTag: randomToken(),
      ...(reasonPhrase === undefined ? {} : { reasonPhrase }),
    }),
  );
}
