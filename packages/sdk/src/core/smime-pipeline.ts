/**
 * The S/MIME pipeline of the protecting socket: it protects outgoing messages with
 * `protectMessage`, unprotects incoming ones with `unprotectMessage`, and moves the MCPTT parts
 * between JsSIP and the SDK through the multipart bridge.
 *
 * @module
 */
import {
  addressOfRecord,
  bytesEqual,
  canonicalHeaderName,
  CertificateRevokedError,
  CertificateUntrustedError,
  certificateSipUris,
  checkCertificate,
  createCertsOnly,
  defaultProtectionPolicy,
  KeyNotFoundError,
  parseNameAddress,
  prepareProtection,
  createHeaderFragment,
  HeaderMismatchError,
  IdentityMismatchError,
  protectMessage,
  BOUND_HEADERS,
  ReplayGuard,
  sameAddressOfRecord,
  SipMessage,
  StorageError,
  topViaBranch,
  UndecipherableError,
  unprotectMessage,
  utf8Decode,
  utf8Encode,
  type CertificateDecision,
  type ContentEncryptionAlgorithm,
  type EnvelopeSource,
  type KeyStore,
  type PreparedProtection,
  type ProtectionPolicy,
  type ReplayRecord,
  type ReplayStore,
  type RevocationList,
  type RevocationMode,
  type SecurityInfo,
  type SipCSeq,
} from '@mcptt-smime/smime';
import { withAuthQopChallenges } from './digest-challenge.js';
import type { ProtectionFailure } from './failure.js';
import { silentLogger, type SdkLogger } from './logger.js';
import { attachParts, partEntity, splitOpened, type BodyPart } from './multipart-bridge.js';
import type { SocketPipeline } from './protecting-socket.js';

const CATEGORY = 'mcptt:sdk:pipeline';

/**
 * Requests whose Call-ID and CSeq are kept to check their responses. JsSIP ends a transaction
 * after at most 64*T1 (32 s), and a client sends far fewer requests in that time.
 */
const MAX_SENT_REQUESTS = 512;

/** The warn-agent of the Warning that names the code of a local failure (see rejection.ts). */
const LOCAL_WARNING = /\b399\s+mcptt-smime\b/i;

/**
 * Returns the message without the Warning fields in the form of the socket's local error
 * responses. A remote party could otherwise make its response pass for a local failure, with a
 * code of its choice. Other Warning fields stay, joined into one.
 */
function withoutLocalWarnings(message: SipMessage): SipMessage {
  const warnings = message.getHeaders('Warning');
  if (!warnings.some((value) => LOCAL_WARNING.test(value))) return message;
  const remote = warnings.filter((value) => !LOCAL_WARNING.test(value));
  const cleaned = message.withoutHeader('Warning');
  return remote.length === 0 ? cleaned : cleaned.withHeader('Warning', remote.join(', '));
}

/** Returns the Call-ID and CSeq number of a message, which a response copies from its request. */
function dialogStep(message: SipMessage): string {
  return `${message.callId} ${String(message.cseq.sequence)}`;
}

/**
 * Returns the key of a message's client transaction: the branch of its top Via and the CSeq
 * method (RFC 3261 §17.1.3), so that a CANCEL, which reuses its INVITE's branch, is kept apart.
 */
function transactionKey(message: SipMessage): string | undefined {
  const branch = topViaBranch(message);
  return branch === undefined ? undefined : `${branch} ${message.cseq.method}`;
}

/** Header fields whose signed copies travel with each message that the pipeline protects. */
const SIGNED_HEADERS: readonly string[] = [...BOUND_HEADERS, 'Expires'];

/** An incoming message after unprotection, as the SDK sees it. */
export interface ReceivedMessage {
  readonly callId: string;
  readonly cseq: SipCSeq;
  /** Method of the request, or CSeq method of the response. */
  readonly method: string;
  /** Status of a response, undefined for a request. */
  readonly status: number | undefined;
  /**
   * URI of the far end: the From of a request, the To of a response. A signed message's signer
   * is this identity (RFC 3261 §23.2).
   */
  readonly remoteUri: string | undefined;
  /** Every body part except the SDP, in plaintext. */
  readonly parts: readonly BodyPart[];
  readonly security: SecurityInfo;
  /** The whole message after unprotection. */
  readonly message: SipMessage;
}

/**
 * A key store whose `setPeerCertificate` can replace a stored certificate, as `MemoryKeyStore`
 * and the keystore package's `IndexedDbKeyStore` do with `{ replace: true }`. A store that ignores
 * the third argument keeps the first certificate, and each later message asks the decision
 * callback again.
 */
export interface PinningKeyStore extends KeyStore {
  setPeerCertificate(
    addressOfRecord: string,
    certificate: Uint8Array,
    options?: { readonly replace?: boolean },
  ): Promise<void>;
}

/** Options of {@link SmimePipeline}. */
export interface SmimePipelineOptions {
  readonly crypto: Crypto;
  readonly keyStore: PinningKeyStore;
  /** SIP URI of the local identity that signs and decrypts. */
  readonly localUri: string;
  /**
   * Certificates of the MCPTT server. When set, every protected body is encrypted for them,
   * because the server terminates all MCPTT signalling. Otherwise the body is encrypted for the
   * stored certificate of the peer (the To address of a request, the From address of a response).
   */
  readonly serverCertificates?: readonly Uint8Array[];
  /**
   * Intermediate CA certificates (DER) that complete the path of `serverCertificates` to a trust
   * anchor. The chain of the local identity is tried as well.
   */
  readonly serverIntermediates?: readonly Uint8Array[];
  /**
   * SIP URI of the MCPTT server. With it, each of `serverCertificates` must name it in its
   * subjectAltName, as a signer must name its From (RFC 3261 §23.2).
   */
  readonly serverUri?: string;
  readonly policy?: ProtectionPolicy;
  /**
   * Signs the DTLS certificate fingerprints of every outgoing SDP (`bindSdp` of
   * `protectMessage`) and rejects an incoming SDP whose fingerprints no signature covers
   * (`requireSdpBinding`), so that the SIP core cannot put itself into the media path. Only a new
   * call that nothing signs passes, with `security.signed` false. Default true; the
   * `insecurePlainCalls` switch turns it off.
   */
  readonly bindSdp?: boolean;
  readonly contentEncryption?: ContentEncryptionAlgorithm;
  /**
   * Envelopes made ahead, such as an `EnvelopePool` fed by a worker, which takes the key
   * agreement of each outgoing message off the page's thread (see `ProtectOptions.envelopes`).
   */
  readonly envelopes?: EnvelopeSource;
  readonly now?: () => Date;
  /** Accepts or rejects an unknown or changed signer certificate; without it both are rejected. */
  readonly onCertificateDecision?: (decision: CertificateDecision) => boolean | Promise<boolean>;
  /**
   * Certificate revocation lists from `parseRevocationList`, checked on the signer path of every
   * incoming message (see `UnprotectOptions.revocationLists`). A revoked signer is rejected
   * with 403 and `ERR_CERT_REVOKED`.
   */
  readonly revocationLists?: readonly RevocationList[];
  /** `if-available` (default) or `require`, as `UnprotectOptions.revocation` describes. */
  readonly revocation?: RevocationMode;
  /**
   * Largest distance in milliseconds, either way, between the signingTime of an incoming
   * signature and `now()`. Unset (the default) skips the check. A signature without signingTime
   * or outside the window is rejected with 403 and `ERR_SIGNATURE_INVALID`, which narrows the
   * replay of a captured body to the window. It is also how long a bound request is remembered
   * to reject it when sent again (5 minutes when unset). TypeError unless a finite number from 0
   * up.
   */
  readonly maxSignatureAge?: number;
  /**
   * Storage that keeps the requests the replay guard remembers across page reloads, such as
   * the keystore's `replayStore()`. {@link SmimePipeline.restoreReplayRecords} loads them, and
   * each new one is added as it is accepted. Without it, the guard starts empty after a reload.
   */
  readonly replayStore?: ReplayStore;
  /**
   * `accept` (the default) opens a body encrypted, then signed, and `reject` rejects it with 403
   * and `ERR_DOWNGRADE`. That signature covers only the ciphertext, so anyone who captured the
   * envelope can sign it again as themselves. TypeError for any other value.
   */
  readonly encryptThenSign?: 'accept' | 'reject';
  /**
   * Returns the MCPTT parts to add to an outgoing message that JsSIP built, such as the
   * mcptt-info of a REGISTER, or undefined to add none.
   */
  readonly partsFor?: (message: SipMessage) => readonly BodyPart[] | undefined;
  /**
   * Called for every incoming message before JsSIP receives it. It raises an `McpttError`, such as
   * `IdentityMismatchError`, for a message that JsSIP must not receive, which the socket then rejects.
   */
  readonly checkReceived?: (received: ReceivedMessage) => void;
  /**
   * Called for every incoming message that JsSIP will see, in arrival order, right before JsSIP
   * receives it (see {@link SmimePipeline.delivered}). A throw is logged, and JsSIP still gets
   * the message.
   */
  readonly onReceived?: (received: ReceivedMessage) => void;
  readonly logger?: SdkLogger;
}

/** Reads the pinned certificate of a peer address-of-record. */
type PeerCertificateReader = (addressOfRecord: string) => Promise<Uint8Array | undefined>;

/** The options of an incoming message's checks that a caller can set to a wrong value. */
export type ReceiveChecks = Pick<
  SmimePipelineOptions,
  'revocation' | 'maxSignatureAge' | 'encryptThenSign'
>;

/**
 * Raises TypeError, naming the option, when `revocation`, `maxSignatureAge` or `encryptThenSign`
 * has a value that `unprotectMessage` would reject for every incoming message.
 */
export function checkReceiveOptions(options: ReceiveChecks): void {
  const { revocation, maxSignatureAge, encryptThenSign } = options;
  if (revocation !== undefined && revocation !== 'if-available' && revocation !== 'require') {
    throw new TypeError("revocation must be 'if-available' or 'require'");
  }
  if (
    maxSignatureAge !== undefined &&
    !(
      typeof maxSignatureAge === 'number' &&
      Number.isFinite(maxSignatureAge) &&
      maxSignatureAge >= 0
    )
  ) {
    throw new TypeError('maxSignatureAge must be a finite number of milliseconds from 0 up');
  }
  if (
    encryptThenSign !== undefined &&
    encryptThenSign !== 'accept' &&
    encryptThenSign !== 'reject'
  ) {
    throw new TypeError("encryptThenSign must be 'accept' or 'reject'");
  }
}

/** Key of an outgoing message that waits for MCPTT parts. */
function partsKey(callId: string, method: string, isRequest: boolean): string {
  return `${isRequest ? 'request' : 'response'} ${method} ${callId}`;
}

/** Maximum wait in milliseconds for {@link SmimePipelineOptions.replayStore} to load: 10 s. */
export const REPLAY_STORE_LOAD_TIMEOUT_MS = 10_000;

/** The socket pipeline that applies S/MIME. */
export class SmimePipeline implements SocketPipeline {
  readonly #options: SmimePipelineOptions;
  readonly #logger: SdkLogger;
  readonly #pendingParts = new Map<string, readonly BodyPart[]>();
  /** Call-ID and CSeq of the requests sent, by transaction (branch and method), newest last. */
  readonly #sentRequests = new Map<string, string>();
  /** Parts of requests not sent yet, being protected ahead, by {@link partsKey}. */
  readonly #prepared = new Map<string, Promise<PreparedProtection | undefined>>();
  /** False from {@link stopWriting} to {@link resumeWriting}. */
  #writing = true;
  /** Counts the calls of {@link stopWriting}, so that a message opened across one writes nothing. */
  #session = 0;
  /** Incoming requests whose signature binds their Call-ID, to reject them once replayed. */
  readonly #replayGuard: ReplayGuard;
  /** Opened messages by the bytes they came from, until JsSIP receives them. */
  readonly #opened = new WeakMap<Uint8Array, ReceivedMessage>();
  readonly #responseHandlers = new Map<string, (response: ReceivedMessage) => void>();
  readonly #failureHandlers = new Map<string, (failure: ProtectionFailure) => void>();

  /** The revocation lists in force, from the options until {@link setRevocationLists}. */
  #revocationLists: readonly RevocationList[] | undefined;

  /**
   * @param options - The crypto, the key store, the local URI, the callback for opened messages
   *   and the checks that {@link SmimePipelineOptions} describes.
   * @throws TypeError for a `revocation`, `maxSignatureAge` or `encryptThenSign` out of range.
   */
  constructor(options: SmimePipelineOptions) {
    checkReceiveOptions(options);
    this.#options = options;
    this.#logger = options.logger ?? silentLogger;
    this.#revocationLists = options.revocationLists;
    // JsSIP's transactions have no retransmission timer for requests (timers A and E), and the
    // reference server retransmits none over WebSocket, so a request seen twice was sent again.
    // Without an age limit, nothing else rejects an old request, so none is forgotten by time.
    this.#replayGuard = new ReplayGuard({ windowMs: options.maxSignatureAge ?? Infinity });
  }

  /**
   * Loads the requests that `replayStore` kept from earlier sessions into the replay guard, so
   * that the SIP core cannot send them again after a reload, and returns how many are still
   * remembered. Call it before the first message arrives: `McpttClient.start()` does. A failed
   * load rejects, because continuing would accept those requests again, and so does a load that
   * takes longer than {@link REPLAY_STORE_LOAD_TIMEOUT_MS}, such as one that another tab blocks.
   *
   * @returns The number of records restored into the replay guard.
   * @throws What `replayStore.load()` rejects with, or `StorageError` (`ERR_STORAGE_FAILED`, 500)
   *   when the load times out.
   */
  async restoreReplayRecords(): Promise<number> {
    const store = this.#options.replayStore;
    if (store === undefined) return 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(
        () => reject(new StorageError('replay records not loaded: the replay store timed out')),
        REPLAY_STORE_LOAD_TIMEOUT_MS,
      );
    });
    try {
      const records = await Promise.race([store.load(), timeout]);
      return this.#replayGuard.restore(records, (this.#options.now ?? (() => new Date()))());
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Stops writing to the key store and the replay store. A message still being opened then leaves
   * neither a replay record nor a pinned certificate behind, also after {@link resumeWriting}, so
   * that a `wipe()` of the stores after `McpttClient.stop()` removes everything for good.
   */
  stopWriting(): void {
    this.#writing = false;
    this.#session++;
  }

  /** Writes to the stores again for messages that arrive from now on, after {@link stopWriting}. */
  resumeWriting(): void {
    this.#writing = true;
  }

  /** Adds a record to the store in the background; a failure is logged and costs only a reload. */
  #storeReplayRecord(store: ReplayStore, record: ReplayRecord): void {
    const failed = (error: unknown): void => {
      try {
        this.#logger.warn(CATEGORY, 'replay record not stored', {
          code: error instanceof Error ? error.name : 'unknown',
        });
      } catch {
        // A logger that throws must not turn a failed write into an unhandled rejection.
      }
    };
    try {
      store.add(record).catch(failed);
    } catch (error) {
      failed(error);
    }
  }

  /**
   * Replaces the revocation lists that incoming messages are checked against, for example with
   * newer lists before the current ones pass their nextUpdate. Messages opened from then on use
   * them.
   */
  setRevocationLists(lists: readonly RevocationList[]): void {
    this.#revocationLists = [...lists];
  }

  /**
   * Checks each of `serverCertificates` as a recipient (RFC 8550 §4.4) before anything is
   * encrypted for it. Each must be valid now and have a path to a trust anchor of the key store,
   * through `serverIntermediates` or the local identity's chain where it needs one. Its keyUsage
   * must allow key agreement or key encipherment, the revocation lists in force must not revoke
   * it, and it must name `serverUri` when that is set. Every message encrypted for the server
   * runs it, so a certificate that expires or is revoked during a session is no longer used.
   * Rejects with CertificateUntrustedError or CertificateRevokedError (403), and with
   * IdentityMismatchError (403) for a certificate of another URI. Resolves at once without
   * server certificates.
   */
  async checkServerCertificates(): Promise<void> {
    const { crypto, keyStore, serverCertificates, serverUri, revocation, now } = this.#options;
    if (serverCertificates === undefined || serverCertificates.length === 0) return;
    const [trustAnchors, identity] = await Promise.all([
      keyStore.getTrustAnchors(),
      keyStore.getIdentity(this.#options.localUri),
    ]);
    const intermediates = [
      ...(this.#options.serverIntermediates ?? []),
      ...(identity?.chain ?? []),
    ];
    const revocationLists = this.#revocationLists;
    const time = now?.() ?? new Date();
    for (const certificate of serverCertificates) {
      await checkCertificate({
        crypto,
        certificate,
        intermediates,
        trustAnchors,
        now: time,
        purpose: 'encryption',
        ...(revocationLists === undefined ? {} : { revocationLists }),
        ...(revocation === undefined ? {} : { revocation }),
      }).catch((error: unknown) => {
        throw serverCertificateRejected(error);
      });
      const named = certificateSipUris(certificate);
      if (serverUri !== undefined && !named.some((uri) => sameAddressOfRecord(uri, serverUri))) {
        throw new IdentityMismatchError(
          `server certificate does not name ${serverUri}: set serverUri to the URI of the ` +
            "certificate's subjectAltName, or give the server's own certificate",
        );
      }
    }
  }

  /**
   * Adds `parts` to the next outgoing message of this dialog and kind: a re-INVITE or UPDATE
   * request, or a 2xx response, which JsSIP builds with an SDP body only.
   *
   * @param callId - Call-ID of the dialog.
   * @param method - Method of the request, or of the request that the response answers.
   * @param isRequest - True for a request, false for a response.
   * @param parts - The MCPTT body parts to add after the SDP.
   */
  attachToNext(callId: string, method: string, isRequest: boolean, parts: readonly BodyPart[]) {
    this.#pendingParts.set(partsKey(callId, method.toUpperCase(), isRequest), parts);
  }

  /**
   * True while parts from {@link SmimePipeline.attachToNext} wait for their message.
   *
   * @param callId - Call-ID of the dialog.
   * @param method - Method of the request, or of the request that the response answers.
   * @param isRequest - True for a request, false for a response.
   * @returns True while such parts wait.
   */
  hasPendingParts(callId: string, method: string, isRequest: boolean): boolean {
    return this.#pendingParts.has(partsKey(callId, method.toUpperCase(), isRequest));
  }

  /**
   * Drops parts from {@link SmimePipeline.attachToNext} whose message was never sent.
   *
   * @param callId - Call-ID of the dialog.
   * @param method - Method of the request, or of the request that the response answers.
   * @param isRequest - True for a request, false for a response.
   */
  discardPendingParts(callId: string, method: string, isRequest: boolean): void {
    this.#pendingParts.delete(partsKey(callId, method.toUpperCase(), isRequest));
  }

  /**
   * Routes the responses of this Call-ID to `handler` instead of JsSIP, for the SDK's own
   * transactions such as PUBLISH, and a final response that fails unprotection to `onFailure`.
   * Returns the function that removes the route.
   *
   * @param callId - Call-ID of the SDK's own transaction.
   * @param handler - Receives each unprotected response.
   * @param onFailure - Receives the failure of a final response that could not be unprotected.
   * @returns The function that removes the route.
   */
  claimResponses(
    callId: string,
    handler: (response: ReceivedMessage) => void,
    onFailure?: (failure: ProtectionFailure) => void,
  ): () => void {
    this.#responseHandlers.set(callId, handler);
    if (onFailure !== undefined) this.#failureHandlers.set(callId, onFailure);
    return () => {
      this.#responseHandlers.delete(callId);
      this.#failureHandlers.delete(callId);
    };
  }

  /** {@inheritDoc SocketPipeline.failClaimedResponse} */
  failClaimedResponse(callId: string, failure: ProtectionFailure): boolean {
    const onFailure = this.#failureHandlers.get(callId);
    if (onFailure === undefined) return this.#responseHandlers.has(callId);
    onFailure(failure);
    return true;
  }

  /**
   * Starts protecting the sensitive `parts` of a request that JsSIP has not sent yet, such as an
   * INVITE whose SDP offer waits for ICE gathering. The prepared parts carry signed copies of
   * `callId` and of the CSeq `cseq` with `method`, as every protected request carries signed
   * copies of its own. When the request leaves with exactly these parts and fields, it carries
   * the result and is not signed and encrypted again. A request whose parts or fields differ,
   * one with an Expires field, and one whose preparation failed are protected as usual. The
   * promise resolves when the preparation is over, and never rejects.
   *
   * @param callId - Call-ID of the request.
   * @param method - Its method.
   * @param target - Its target, the To URI, which decides the recipients.
   * @param parts - The body parts after the SDP.
   * @param cseq - Its CSeq number, 1 by default.
   */
  async prepare(
    callId: string,
    method: string,
    target: string,
    parts: readonly BodyPart[],
    cseq = 1,
  ): Promise<void> {
    const upper = method.toUpperCase();
    const policy = this.#options.policy ?? defaultProtectionPolicy;
    const sensitive = parts
      .map(partEntity)
      .filter((entity) => policy.isSensitive(entity.contentType, upper));
    if (sensitive.length === 0) return;
    // JsSIP writes the target of a new request as the To field's URI. A target that is no
    // address gets no preparation, and the request is protected as it leaves.
    let to: string;
    try {
      to = `<${parseNameAddress(target).uri}>`;
    } catch {
      this.#logger.debug(CATEGORY, 'parts not prepared', { callId, method: upper });
      return;
    }
    // The same copies that protectMessage adds for BOUND_HEADERS, so that the preparation matches.
    sensitive.push(
      createHeaderFragment([
        { name: 'Call-ID', value: callId },
        { name: 'CSeq', value: `${String(cseq)} ${upper}` },
        { name: 'To', value: to },
      ]),
    );

    const { crypto, keyStore, localUri } = this.#options;
    const preparing = Promise.resolve()
      .then(() =>
        Promise.all([
          keyStore.getIdentity(localUri),
          this.#recipientsOf(parseNameAddress(target).uri),
        ]),
      )
      .then(([signer, recipients]) =>
        signer === undefined
          ? undefined
          : prepareProtection(sensitive, { crypto, signer, recipients, ...this.#protectExtras() }),
      )
      .catch(() => {
        // The request is then protected when it leaves, and that reports the error.
        this.#logger.debug(CATEGORY, 'parts not prepared', { callId, method: upper });
        return undefined;
      });
    this.#prepared.set(partsKey(callId, upper, true), preparing);
    await preparing;
  }

  /**
   * Drops what {@link SmimePipeline.prepare} made for a dialog whose request was never sent.
   *
   * @param callId - Call-ID of the request.
   */
  forget(callId: string): void {
    for (const key of this.#prepared.keys()) {
      if (key.endsWith(` ${callId}`)) this.#prepared.delete(key);
    }
  }

  /** {@inheritDoc SocketPipeline.outgoing} */
  async outgoing(text: string): Promise<string> {
    let message = SipMessage.parse(utf8Encode(text));
    if (message.isRequest) this.#rememberSent(message);
    const key = partsKey(message.callId, message.method, message.isRequest);
    const pending = this.#pendingParts.get(key);
    const parts = message.isRequest || isSuccess(message) ? pending : undefined;
    if (parts !== undefined) this.#pendingParts.delete(key);
    const extra = parts ?? this.#options.partsFor?.(message);
    if (extra !== undefined) message = attachParts(message, extra, this.#options.crypto);
    if (message.body.length === 0) return utf8Decode(message.toBytes());

    const preparing = message.isRequest ? this.#prepared.get(key) : undefined;
    if (preparing !== undefined) this.#prepared.delete(key);
    const { crypto, keyStore, localUri } = this.#options;
    const [signer, recipients, prepared] = await Promise.all([
      keyStore.getIdentity(localUri),
      this.#recipients(message),
      preparing,
    ]);
    if (signer === undefined) throw new KeyNotFoundError('local identity not found');
    const protectedMessage = await protectMessage(message, {
      crypto,
      signer,
      recipients,
      ...this.#protectExtras(),
      // Every message gets signed copies of its Call-ID and CSeq, which the receiver checks, so
      // that the core can neither move the body into another message nor send a request again
      // (RFC 3261 §23.4). A copy of Expires keeps the core from changing how long an
      // authorisation or an affiliation lasts. A preparation is used only when it carries the
      // same copies, since protectMessage compares them with its parts.
      bindHeaders: SIGNED_HEADERS,
      ...(prepared === undefined ? {} : { prepared }),
      bindSdp: this.#options.bindSdp !== false,
    });
    this.#logger.debug(CATEGORY, 'message protected', {
      callId: message.callId,
      method: message.method,
      size: protectedMessage.body.length,
    });
    return utf8Decode(protectedMessage.toBytes());
  }

  /**
   * Reports the message opened from `bytes` to `onReceived`. The socket calls it right before it
   * hands the text of {@link SmimePipeline.incoming} to JsSIP.
   */
  delivered(bytes: Uint8Array): void {
    const event = this.#opened.get(bytes);
    if (event === undefined) return;
    this.#opened.delete(bytes);
    try {
      this.#options.onReceived?.(event);
    } catch (error) {
      // The message still goes to JsSIP, which responds to it, so a failed handler loses no request.
      try {
        this.#logger.error(CATEGORY, 'received message handler failed', {
          code: error instanceof Error ? error.name : 'unknown',
        });
      } catch {
        // A logger that throws must not keep the message from JsSIP either.
      }
    }
  }

  /** {@inheritDoc SocketPipeline.incoming} */
  async incoming(bytes: Uint8Array): Promise<string | undefined> {
    const { crypto, keyStore, localUri } = this.#options;
    // A message whose opening began before stopWriting() writes nothing, even once resumed.
    const session = this.#session;
    const writable = () => this.#writing && session === this.#session;
    const records: ReplayRecord[] = [];
    const received = SipMessage.parse(bytes);
    if (!received.isRequest) this.#checkResponseStep(received);
    // A message without a body, such as 100 Trying, needs no key, so it costs no store read.
    const bodiless = received.body.length === 0 && received.getHeader('Content-Type') === undefined;
    const [identity, trustAnchors] = bodiless
      ? [undefined, []]
      : await Promise.all([keyStore.getIdentity(localUri), keyStore.getTrustAnchors()]);
    const accepted: CertificateDecision[] = [];
    const peerCertificate = this.#peerCertificateReader();
    const opened = await unprotectMessage(received, {
      crypto,
      ...(identity === undefined ? {} : { identity }),
      trustAnchors,
      getPeerCertificate: peerCertificate,
      onCertificateDecision: (decision) => this.#decide(decision, accepted),
      ...this.#protectExtras(),
      ...this.#receiveOptions(received, records),
    }).catch((error: unknown) => {
      // The 493 answer carries the local certificate, so that the sender can encrypt to it
      // next time (RFC 3261 §23.2).
      if (error instanceof UndecipherableError && identity !== undefined) {
        error.certsOnly ??= createCertsOnly([identity.certificate, ...identity.chain]);
      }
      throw error;
    });
    const { security } = opened;
    this.#checkServerAddressee(received, security);
    const store = this.#options.replayStore;
    if (store !== undefined && writable()) {
      for (const record of records) this.#storeReplayRecord(store, record);
    }
    const split = splitOpened(received, opened.parts, () => opened.message);
    const event: ReceivedMessage = {
      callId: received.callId,
      cseq: received.cseq,
      method: received.method,
      status: received.isRequest ? undefined : statusOf(received),
      parts: split.parts,
      security,
      // Read only for messages of a call, so the header is parsed then.
      get remoteUri() {
        return remoteUriOf(received);
      },
      // Built when read: JsSIP gets the message of `split`, and the SDK reads the parts.
      get message() {
        return opened.message;
      },
    };
    const handler = received.isRequest ? undefined : this.#responseHandlers.get(received.callId);
    // A message that checkReceived rejects leaves no certificate in the key store.
    if (handler === undefined) this.#options.checkReceived?.(event);
    await this.#rememberSigner(security, accepted, peerCertificate, writable);
    if (handler !== undefined) {
      handler(event);
      return undefined;
    }
    // Messages finish opening in any order, and the core can send a message of its own with the
    // Call-ID and CSeq of a protected one, so the message is reported only as JsSIP receives it.
    this.#opened.set(bytes, event);
    return utf8Decode(withAuthQopChallenges(withoutLocalWarnings(split.message)).toBytes());
  }

  /** Notes the Call-ID and CSeq of a request under the branch of its top Via and its method. */
  #rememberSent(request: SipMessage): void {
    const key = transactionKey(request);
    if (key === undefined || request.method === 'ACK') return;
    this.#sentRequests.delete(key);
    this.#sentRequests.set(key, dialogStep(request));
    if (this.#sentRequests.size > MAX_SENT_REQUESTS) {
      const oldest = this.#sentRequests.keys().next();
      if (oldest.done !== true) this.#sentRequests.delete(oldest.value);
    }
  }

  /**
   * Raises IdentityMismatchError for a response whose Call-ID or CSeq differs from those of the
   * request sent with its Via branch. JsSIP matches a response to its transaction by the branch
   * alone, which the SIP core relays in clear, so a response of another dialog, which anyone may
   * have signed in their own name, could otherwise answer this request.
   */
  #checkResponseStep(response: SipMessage): void {
    const key = transactionKey(response);
    const sent = key === undefined ? undefined : this.#sentRequests.get(key);
    if (sent === undefined || sent === dialogStep(response)) return;
    throw new IdentityMismatchError(
      'response whose Call-ID or CSeq differs from the request of its Via branch',
    );
  }

  /**
   * Raises HeaderMismatchError for a request that the MCPTT server signed without a signed copy
   * of To. The server binds To in every request it signs, and `recipientUri` then rejects one
   * that names another user, so a user cannot pass on what the server signed for that user.
   */
  #checkServerAddressee(received: SipMessage, security: SecurityInfo): void {
    const { serverUri } = this.#options;
    if (!received.isRequest || serverUri === undefined || security.signerUri === undefined) return;
    if (!sameAddressOfRecord(security.signerUri, serverUri)) return;
    const bound = security.protectedHeaders.some(
      (header) => canonicalHeaderName(header.name) === 'to',
    );
    if (!bound) {
      throw new HeaderMismatchError('request of the MCPTT server without a signed To');
    }
  }

  #protectExtras() {
    const { policy, contentEncryption, envelopes, now } = this.#options;
    return {
      ...(policy === undefined ? {} : { policy }),
      ...(envelopes === undefined ? {} : { envelopes }),
      ...(contentEncryption === undefined ? {} : { contentEncryption }),
      ...(now === undefined ? {} : { now }),
    };
  }

  /** The options of `unprotectMessage` that decide what an incoming message must satisfy. */
  #receiveOptions(received: SipMessage, records: ReplayRecord[]) {
    const { revocation, maxSignatureAge, encryptThenSign } = this.#options;
    const revocationLists = this.#revocationLists;
    return {
      recipientUri: this.#options.localUri,
      ...(revocationLists === undefined ? {} : { revocationLists }),
      ...(revocation === undefined ? {} : { revocation }),
      ...(maxSignatureAge === undefined ? {} : { maxSignatureAge }),
      ...(encryptThenSign === undefined ? {} : { encryptThenSign }),
      ...(this.#options.bindSdp === false ? {} : { requireSdpBinding: sdpRequirement(received) }),
      // The records that the guard starts to keep are stored once the message has been opened.
      replayGuard: {
        check: (message: SipMessage, security: SecurityInfo, now: Date) => {
          const record = this.#replayGuard.check(message, security, now);
          if (record !== undefined) records.push(record);
          return record;
        },
      },
    };
  }

  #recipients(message: SipMessage): Promise<readonly Uint8Array[]> {
    const header = message.getHeader(message.isRequest ? 'To' : 'From');
    return this.#recipientsOf(header === undefined ? undefined : parseNameAddress(header).uri);
  }

  /**
   * Returns the configured server certificates once {@link checkServerCertificates} passes them,
   * or else the stored certificate of `uri`. A stored certificate passed the signer checks, or
   * the decision callback, when its first message arrived.
   */
  async #recipientsOf(uri: string | undefined): Promise<readonly Uint8Array[]> {
    const servers = this.#options.serverCertificates;
    if (servers !== undefined && servers.length > 0) {
      await this.checkServerCertificates();
      return servers;
    }

    const certificate =
      uri === undefined
        ? undefined
        : await this.#options.keyStore.getPeerCertificate(addressOfRecord(uri));
    if (certificate === undefined) throw new KeyNotFoundError('recipient certificate not found');
    return [certificate];
  }

  /**
   * Returns a reader of pinned peer certificates for one incoming message. The key store is the
   * only source: nothing is kept between messages, so a pin that the application removes or
   * replaces counts from the next message on. Within the message, the signer check and the
   * storing of the signer share one read.
   */
  #peerCertificateReader(): PeerCertificateReader {
    const reads = new Map<string, Promise<Uint8Array | undefined>>();
    return (aor) => {
      let read = reads.get(aor);
      if (read === undefined) {
        read = this.#options.keyStore.getPeerCertificate(aor);
        reads.set(aor, read);
      }
      return read;
    };
  }

  async #decide(decision: CertificateDecision, acceptedList: CertificateDecision[]) {
    const hook = this.#options.onCertificateDecision;
    const accepted = hook === undefined ? false : (await hook(decision)) === true;
    if (accepted) acceptedList.push(decision);
    this.#logger.info(CATEGORY, 'signer certificate decision', {
      reason: decision.reason,
      accepted,
    });
    return accepted;
  }

  /**
   * Stores the certificate of a verified signer, so that responses can be encrypted for it and a
   * later change goes to the decision hook (RFC 3261 §23.2). A changed certificate replaces the
   * stored one only when the decision callback accepted exactly this certificate. The same
   * certificate again, the case of nearly every message, is not written.
   */
  async #rememberSigner(
    security: SecurityInfo,
    accepted: readonly CertificateDecision[],
    peerCertificate: PeerCertificateReader,
    writable: () => boolean,
  ) {
    const { signerUri, signerCertificate } = security;
    if (signerUri === undefined || signerCertificate === undefined) return;
    const aor = addressOfRecord(signerUri);
    const stored = await peerCertificate(aor);
    if (stored !== undefined && bytesEqual(stored, signerCertificate)) return;
    if (!writable()) return;
    const replace = accepted.some(
      (d) =>
        d.reason === 'changed' &&
        sameAddressOfRecord(d.addressOfRecord, aor) &&
        bytesEqual(d.certificate, signerCertificate),
    );
    try {
      await this.#options.keyStore.setPeerCertificate(aor, signerCertificate, { replace });
    } catch (error) {
      this.#logger.warn(CATEGORY, 'signer certificate not stored', {
        code: error instanceof Error ? error.name : 'unknown',
      });
    }
  }
}

/**
 * Returns how strictly a message must bind its SDP fingerprints. A new call that nothing signs
 * reaches the application, which finds `signed` false and decides. Every other message with SDP
 * must carry a signed copy, because the core may have stripped the signature of an answer or an
 * in-dialog request and chosen its fingerprints.
 */
function sdpRequirement(message: SipMessage): 'always' | 'if-signed' {
  const newCall = message.isRequest && message.method === 'INVITE' && !hasToTag(message);
  return newCall ? 'if-signed' : 'always';
}

function hasToTag(message: SipMessage): boolean {
  const to = message.getHeader('To');
  if (to === undefined) return false;
  try {
    return parseNameAddress(to).params.has('tag');
  } catch {
    // A To that does not parse counts as in a dialog, so the message must carry the copy.
    return true;
  }
}

function statusOf(message: SipMessage): number | undefined {
  return message.startLine.type === 'response' ? message.startLine.status : undefined;
}

function isSuccess(message: SipMessage): boolean {
  const status = statusOf(message) ?? 0;
  return status >= 200 && status < 300;
}

/** Returns the URI of the far end of `message`, or undefined when the header is malformed. */
function remoteUriOf(message: SipMessage): string | undefined {
  const header = message.getHeader(message.isRequest ? 'From' : 'To');
  if (header === undefined) return undefined;
  try {
    return parseNameAddress(header).uri;
  } catch {
    return undefined;
  }
}

/**
 * Messages of the chain check for a certificate on the path outside its validity period: the
 * server's, an intermediate CA's or a trust anchor's, which the message does not tell apart.
 * That certificate needs renewing, or the clock is wrong.
 */
const VALIDITY_FAILURES: ReadonlySet<string> = new Set([
  'certificate is not yet valid',
  'certificate has expired',
]);

/**
 * Returns the error of a server certificate that the chain check rejected, with the options to
 * check next. Other errors are returned unchanged.
 */
function serverCertificateRejected(error: unknown): unknown {
  if (error instanceof CertificateRevokedError) {
    return new CertificateRevokedError(
      `server certificate rejected, ${error.message}: replace serverCertificates with the ` +
        "server's current certificate",
      { cause: error },
    );
  }
  if (error instanceof CertificateUntrustedError) {
    const advice = VALIDITY_FAILURES.has(error.message)
      ? "renew the certificate that is out of date, the server's or a CA certificate of its " +
        "path, or correct this device's clock"
      : "check serverCertificates, serverIntermediates and the key store's trust anchors";
    return new CertificateUntrustedError(
      `server certificate rejected, ${error.message}: ${advice}`,
      { cause: error },
    );
  }
  return error;
}
