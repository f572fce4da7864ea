/**
 * The options of `McpttClient` and their checks. A wrong option raises TypeError in the
 * constructor, naming the option, rather than failing later on every message.
 *
 * @module
 */
import { certificateSipUris, parseSipUri, type ProtectionPolicy } from '@mcptt-smime/smime';
import type { SipCredentials } from '../adapter/jssip/jssip-ua.js';
import type { SdkLogger } from '../core/logger.js';
import type { Schedule } from '../core/schedule.js';
import type { SipSocket } from '../core/sip-socket.js';
import {
  checkReceiveOptions,
  type PinningKeyStore,
  type SmimePipelineOptions,
} from '../core/smime-pipeline.js';
import type { McpttClientDelegate } from './events.js';
import { checkExpires } from './publish-transaction.js';

/**
 * Options of `McpttClient`. The checks of incoming messages are those of the pipeline, and the
 * client passes them on unchanged.
 */
export interface McpttClientOptions extends Pick<
  SmimePipelineOptions,
  | 'onCertificateDecision'
  | 'revocationLists'
  | 'revocation'
  | 'maxSignatureAge'
  | 'encryptThenSign'
  | 'envelopes'
  | 'replayStore'
> {
  /**
   * SIP URI of the user, which is also the signer identity in the key store. TypeError unless a
   * `sip:` or `sips:` URI.
   */
  readonly uri: string;
  /**
   * WebSocket URL of the SIP core, used when `transport` is not given. TypeError unless a `ws:`
   * or `wss:` URL then.
   */
  readonly url?: string;
  /** A JsSIP socket to wrap in place of a WebSocket to `url`, for tests. */
  readonly transport?: SipSocket;
  /** WebCrypto; TypeError without `subtle` and `getRandomValues`. */
  readonly crypto: Crypto;
  /**
   * Keys, trust anchors and pinned peer certificates: a `MemoryKeyStore` or the keystore
   * package's `IndexedDbKeyStore`. A changed certificate that `onCertificateDecision` accepts
   * replaces the pinned one. The client reads the pins from the store for every message and keeps
   * none of its own, so a pin that the application removes or replaces counts from the next
   * message on.
   */
  readonly keyStore: PinningKeyStore;
  /**
   * URI of the MCPTT server: the default Request-URI of calls, the target of the service
   * authorisation that follows the registration, and the relay of short data. With it, incoming
   * calls are taken only when the server signed them, and only the server's signature makes the
   * calling user and group of a received mcptt-info believed. TypeError unless a `sip:` or
   * `sips:` URI.
   */
  readonly serverUri?: string;
  /**
   * Certificates (DER) of the MCPTT server; every protected body is encrypted for them when set.
   * TypeError for one that does not parse as a certificate.
   */
  readonly serverCertificates?: readonly Uint8Array[];
  /**
   * Intermediate CA certificates (DER) between `serverCertificates` and a trust anchor of the
   * key store, for a server certificate that an intermediate CA issued. The chain of the local
   * identity is tried as well. TypeError for one that does not parse as a certificate.
   */
  readonly serverIntermediates?: readonly Uint8Array[];
  /** MCPTT client ID, sent in mcptt-info with the registration. */
  readonly clientId?: string;
  /** Access token of the MCPTT service authorisation, sent protected with the registration. */
  readonly accessToken?: string;
  /**
   * Seconds the service authorisation is requested for: a whole number from 1 to 2^31-1, default
   * 3600. The client publishes it again before the server lets it lapse, until the client stops.
   */
  readonly authorisationExpires?: number;
  readonly policy?: ProtectionPolicy;
  /**
   * INSECURE, for measurement only, default false: sends calls and short data unsigned and in
   * clear and accepts them so, keeping only REGISTER and PUBLISH protected, so that a benchmark
   * can compare set-up times with protection off. The server must run with the same switch.
   * TypeError when `policy` is also set.
   */
  readonly insecurePlainCalls?: boolean;
  readonly now?: () => Date;
  readonly delegate?: McpttClientDelegate;
  /** Timer function of the authorisation and affiliation refreshes; default `setTimeout`. */
  readonly schedule?: Schedule;
  /** Silent by default. It receives Call-IDs, codes and sizes, never bodies or keys. */
  readonly logger?: SdkLogger;
  /**
   * Digest credentials for a SIP core that challenges the user's requests with 401 or 407
   * (RFC 3261 §22). JsSIP sends each challenged request again with them, and the
   * client protects that request afresh. TypeError unless `password` is a non-empty string and
   * `username` and `realm` are strings when given.
   */
  readonly sipCredentials?: SipCredentials;
}

/** The key store methods that the SDK calls. */
const KEY_STORE_METHODS = [
  'getIdentity',
  'getTrustAnchors',
  'getPeerCertificate',
  'setPeerCertificate',
] as const;

/** Raises TypeError, naming the option, for the first option of `options` that is wrong. */
export function checkClientOptions(options: McpttClientOptions): void {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError('McpttClient options must be an object');
  }
  checkSipUri('uri', options.uri);
  if (options.serverUri !== undefined) checkSipUri('serverUri', options.serverUri);
  if (options.transport === undefined && !/^wss?:\/\/./i.test(String(options.url))) {
    throw new TypeError('url must be a ws: or wss: URL when no transport is given');
  }
  checkCrypto(options.crypto);
  checkKeyStore(options.keyStore);
  checkCertificates(options.serverCertificates, 'serverCertificates');
  checkCertificates(options.serverIntermediates, 'serverIntermediates');
  if (options.authorisationExpires !== undefined) {
    checkExpires('authorisationExpires', options.authorisationExpires, 1);
  }
  checkCredentials(options.sipCredentials);
  if (options.insecurePlainCalls === true && options.policy !== undefined) {
    throw new TypeError('set either policy or insecurePlainCalls, not both');
  }
  const envelopes = options.envelopes as { take?: unknown } | null | undefined;
  if (envelopes !== undefined && typeof envelopes?.take !== 'function') {
    throw new TypeError('envelopes must have a take method, such as an EnvelopePool');
  }
  const replayStore = options.replayStore as { load?: unknown; add?: unknown } | null | undefined;
  if (
    replayStore !== undefined &&
    (typeof replayStore?.load !== 'function' || typeof replayStore.add !== 'function')
  ) {
    throw new TypeError(
      'replayStore must have load and add methods, such as a keystore replayStore()',
    );
  }
  if (options.revocationLists !== undefined && !Array.isArray(options.revocationLists)) {
    throw new TypeError('revocationLists must be an array of lists from parseRevocationList');
  }
  checkReceiveOptions(options);
}

/** Raises TypeError, naming `name`, unless `value` is a sip: or sips: URI. */
export function checkSipUri(name: string, value: unknown): void {
  try {
    if (typeof value !== 'string') throw new TypeError('not a string');
    parseSipUri(value);
  } catch (cause) {
    throw new TypeError(`${name} must be a sip: or sips: URI`, { cause });
  }
}

function checkCrypto(crypto: unknown): void {
  const candidate = crypto as Partial<Crypto> | null | undefined;
  if (
    typeof candidate?.subtle !== 'object' ||
    candidate.subtle === null ||
    typeof candidate.getRandomValues !== 'function'
  ) {
    throw new TypeError('crypto must be a WebCrypto Crypto with subtle and getRandomValues');
  }
}

function checkKeyStore(keyStore: unknown): void {
  const store = keyStore as Record<string, unknown> | null | undefined;
  const missing =
    typeof store !== 'object' || store === null
      ? 'getIdentity'
      : KEY_STORE_METHODS.find((method) => typeof store[method] !== 'function');
  if (missing !== undefined) {
    throw new TypeError(`keyStore must be a key store with ${missing}()`);
  }
}

function checkCertificates(
  certificates: unknown,
  option: 'serverCertificates' | 'serverIntermediates',
): void {
  if (certificates === undefined) return;
  if (!Array.isArray(certificates)) {
    throw new TypeError(`${option} must be an array of DER certificates`);
  }
  certificates.forEach((certificate: unknown, index) => {
    try {
      if (!(certificate instanceof Uint8Array)) throw new TypeError('not a Uint8Array');
      certificateSipUris(certificate);
    } catch (cause) {
      throw new TypeError(`${option}[${index}] is not a DER certificate`, { cause });
    }
  });
}

function checkCredentials(credentials: SipCredentials | undefined): void {
  if (credentials === undefined) return;
  if (typeof credentials !== 'object' || credentials === null) {
    throw new TypeError('sipCredentials must be an object with a password');
  }
  const { username, password, realm } = credentials as unknown as Partial<Record<string, unknown>>;
  if (typeof password !== 'string' || password === '') {
    throw new TypeError('sipCredentials.password must be a non-empty string');
  }
  if (username !== undefined && (typeof username !== 'string' || username === '')) {
    throw new TypeError('sipCredentials.username must be a non-empty string');
  }
  if (realm !== undefined && typeof realm !== 'string') {
    throw new TypeError('sipCredentials.realm must be a string');
  }
}
