/**
 * The MCPTT client: a JsSIP user agent on a protecting socket, with an API in MCPTT terms.
 *
 * @module
 */
import {
  DEFAULT_CONTENT_ENCRYPTION,
  KeyNotFoundError,
  MimeParseError,
  type ContentEncryptionAlgorithm,
  type EnvelopeSource,
  type RevocationList,
  type SecurityInfo,
} from '@mcptt-smime/smime';
import {
  answerDigestChallenge,
  createUserAgent,
  createWebSocket,
  onceUaEvent,
  removeUaListener,
  type IncomingMessageEvent,
  type OutgoingMessageEvent,
  type UA,
} from '../adapter/jssip/jssip-ua.js';
import { toProtectionFailure } from '../core/failure.js';
import { guardedLogger, silentLogger, type SdkLogger } from '../core/logger.js';
import { composeMixedBody, type BodyPart } from '../core/multipart-bridge.js';
import { PLAIN_CALLS_POLICY } from '../core/plain-calls-policy.js';
import { ProtectingSocket } from '../core/protecting-socket.js';
import { SmimePipeline, type ReceivedMessage } from '../core/smime-pipeline.js';
import { buildLocationInfo, type LocationReport } from '../mcptt/location-info.js';
import { buildMcpttInfo } from '../mcptt/mcptt-info.js';
import { LOCATION_INFO_TYPE, MCPTT_INFO_TYPE } from '../mcptt/media-types.js';
import {
  buildGroupCallRequest,
  buildPrivateCallRequest,
  type CallOptions,
  type CallRequest,
  type GroupCallOptions,
  type PrivateCallOptions,
} from './call-request.js';
import { AlertOrder } from './alert-order.js';
import { CallRegistry } from './call-registry.js';
import { checkClientOptions, type McpttClientOptions } from './client-options.js';
import type { RefreshFailedEvent } from './events.js';
import { findPart } from './incoming-call.js';
import { readIncomingMessage } from './incoming-message.js';
import type { McpttCall } from './mcptt-call.js';
import { MCPTT_REQUEST_HEADERS } from './mcptt-headers.js';
import { PublicationRefresh, type Publish } from './publication-refresh.js';
import {
  checkAffiliationOptions,
  publishAffiliation,
  type AffiliationOptions,
} from './publish-affiliation.js';
import type { ChallengeAnswerer } from './publish-transaction.js';
import { ReceivedStore } from './received-store.js';
import { authoriseService } from './service-authorisation.js';
import { believedInfo, vouchedByServer, type SenderTrust } from './sender-trust.js';
import {
  failureOf,
  SipRequestFailedError,
  type SipResponseLike,
} from './sip-request-failed-error.js';

const CATEGORY = 'mcptt:sdk:messages';

function randomToken(crypto: Crypto): string {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Options of {@link McpttClient.start}. */
export interface StartOptions {
  /** Aborts the start: the client stops and start() rejects with the signal's reason. */
  readonly signal?: AbortSignal;
}

/**
 * An MCPTT client whose non-SDP bodies are signed and encrypted end to end.
 *
 * @example
 * ```ts
 * // context: uri: string, keyStore: MemoryKeyStore, serverCertificates: Uint8Array[]
 * const client = new McpttClient({ uri, url: 'wss://core.example', crypto, keyStore, serverCertificates });
 * await client.start();
 * await client.register();
 * await client.sendShortData('sip:mcptt-id-B@example', 'hello');
 * ```
 */
export class McpttClient {
  /** The socket that protects JsSIP's traffic, for diagnostics such as its connection number. */
  readonly socket: ProtectingSocket;
  /** The S/MIME pipeline that the socket uses. */
  readonly pipeline: SmimePipeline;
  /** The JsSIP user agent. */
  readonly ua: UA;
  readonly #options: McpttClientOptions;
  readonly #logger: SdkLogger;
  readonly #received = new ReceivedStore();
  readonly #alertOrder = new AlertOrder();
  readonly #calls: CallRegistry;
  readonly #trust: SenderTrust;
  // Replaced at each start() after a stop(), because stop() closes them for good.
  #authorisation: PublicationRefresh;
  #affiliation: PublicationRefresh;
  /** Between start() and stop(): only then does the client send anything. */
  #running = false;
  /** True once stop() has closed the refresh timers. */
  #stopped = false;
  /** Counts start() and stop() calls, so that work begun before the last of them ends. */
  #runs = 0;
  /** Rejects the pending start() when stop() comes first. */
  #abortStart: (() => void) | undefined;
  /** The start in flight, which a second start() shares. */
  #starting: Promise<void> | undefined;
  /** The service authorisation in flight, which concurrent registrations share. */
  #authorising: Promise<void> | undefined;
  /** Counts affiliation changes, so that only the latest one is kept alive. */
  #affiliationChanges = 0;
  /** The last affiliation published, which a registration after a lost connection repeats. */
  #lastAffiliation: Publish | undefined;
  /** State of the registration, which decides the delegate's connection callbacks. */
  #registration: 'none' | 'registered' | 'lost' = 'none';
  /** Computes credentials for the SIP core's digest challenges to the client's PUBLISH requests. */
  readonly #answerChallenge: ChallengeAnswerer | undefined;

  /**
   * Creates a stopped client; {@link McpttClient.start} connects it.
   *
   * @param options - The user's URI, the SIP core's URL, the key store and the other settings
   *   that {@link McpttClientOptions} describes.
   * @throws TypeError, naming the option, for an option that is missing or wrong.
   */
  constructor(options: McpttClientOptions) {
    checkClientOptions(options);
    this.#options = options;
    this.#trust = {
      serverUri: options.serverUri,
      insecurePlainCalls: options.insecurePlainCalls === true,
    };
    const policy = options.insecurePlainCalls === true ? PLAIN_CALLS_POLICY : options.policy;
    this.#logger = options.logger === undefined ? silentLogger : guardedLogger(options.logger);
    const inner = options.transport ?? createWebSocket(options.url ?? '');
    this.pipeline = new SmimePipeline({
      crypto: options.crypto,
      keyStore: options.keyStore,
      localUri: options.uri,
      logger: this.#logger,
      partsFor: (message) =>
        message.method === 'REGISTER' ? this.#registrationParts() : undefined,
      checkReceived: (received) => this.#calls.checkRemoteParty(received),
      onReceived: (received) => {
        this.#received.add(received);
        this.#calls.route(received);
      },
      ...optional('serverCertificates', options.serverCertificates),
      ...optional('serverIntermediates', options.serverIntermediates),
      ...optional('serverUri', options.serverUri),
      ...optional('policy', policy),
      bindSdp: options.insecurePlainCalls !== true,
      ...optional('now', options.now),
      ...optional('onCertificateDecision', options.onCertificateDecision),
      ...optional('revocationLists', options.revocationLists),
      ...optional('revocation', options.revocation),
      ...optional('maxSignatureAge', options.maxSignatureAge),
      ...optional('encryptThenSign', options.encryptThenSign),
      ...optional('envelopes', options.envelopes),
      ...optional('replayStore', options.replayStore),
    });
    this.socket = new ProtectingSocket(inner, {
      pipeline: this.pipeline,
      createTag: () => randomToken(options.crypto),
      logger: this.#logger,
      onFailure: (event) => options.delegate?.onSecurityFailure?.(event),
    });
    this.ua = createUserAgent({
      socket: this.socket,
      uri: options.uri,
      ...optional('credentials', options.sipCredentials),
    });
    this.#calls = new CallRegistry({
      ua: this.ua,
      pipeline: this.pipeline,
      crypto: options.crypto,
      received: this.#received,
      logger: this.#logger,
      delegate: options.delegate,
      trust: this.#trust,
      localUri: options.uri,
      ...optional('now', options.now),
    });
    this.#answerChallenge = this.#challengeAnswerer(options);
    this.#authorisation = this.#refreshOf('service-authorisation');
    this.#affiliation = this.#refreshOf('affiliation');
    this.#listen();
  }

  /** Returns the credentials function of the SDK's PUBLISH, since that request does not go through JsSIP. */
  #challengeAnswerer(options: McpttClientOptions): ChallengeAnswerer | undefined {
    const credentials = options.sipCredentials;
    if (credentials === undefined) return undefined;
    return (status, challenges, request) => {
      const answer = answerDigestChallenge(status, challenges, request, credentials, options.uri);
      // Only the outcome, because the credentials contain a digest of the password.
      this.#logger.debug('publish', 'PUBLISH challenged', {
        sipStatus: status,
        outcome: answer.outcome,
      });
      return answer;
    };
  }

  #refreshOf(publication: RefreshFailedEvent['publication']): PublicationRefresh {
    return new PublicationRefresh({
      ...optional('schedule', this.#options.schedule),
      onFailure: (error, retrying) => {
        const sipStatus = error instanceof SipRequestFailedError ? error.sipStatus : 500;
        this.#logger.warn('publish', 'refresh failed', { publication, sipStatus, retrying });
        this.#options.delegate?.onRefreshFailed?.({ publication, sipStatus, retrying });
      },
    });
  }

  /**
   * Loads the requests that `replayStore` kept, then connects the transport; resolves once
   * connected. It rejects with the replay store's error when the records cannot be loaded, and
   * with StorageError (`ERR_STORAGE_FAILED`) when they take longer than
   * REPLAY_STORE_LOAD_TIMEOUT_MS. It rejects with KeyNotFoundError when the key store has no
   * identity for `uri`, which every protected request needs. It also checks
   * `serverCertificates` as recipients. It rejects with CertificateUntrustedError,
   * CertificateRevokedError or IdentityMismatchError (all 403) for one that is not valid now, has
   * no path to a trust anchor of the key store, or may not be encrypted for. The same holds for
   * one that is revoked or does not name `serverUri`. Each message encrypted for the server
   * checks them again. A stop() before it
   * resolves wins: start() then rejects with TypeError and the client stays stopped. When
   * `envelopes` has a `fill` method, as an `EnvelopePool` does, and `serverCertificates` is set, it also starts making envelopes for
   * them, with the content encryption that the client uses, so that they match what the client
   * takes.
   *
   * With `options.signal`, an abort before start() resolves stops the client, as stop() does,
   * and start() rejects with the signal's reason. While nothing accepts the connection at `url`,
   * JsSIP keeps trying, so `AbortSignal.timeout(ms)` sets a limit. Raises TypeError for a
   * `signal` that is not an AbortSignal. A start() while another is pending shares it, and one
   * on a connected client resolves at once.
   */
  async start(options: StartOptions = {}): Promise<void> {
    const { signal } = options;
    if (signal === undefined) return this.#startOnce();
    if (!(signal instanceof AbortSignal)) {
      throw new TypeError('start: options.signal must be an AbortSignal');
    }
    signal.throwIfAborted();
    let stopOnAbort = (): void => undefined;
    // A key store or replay store that never responds keeps #start() pending, so the abort
    // settles start() itself rather than wait for it.
    const aborted = new Promise<never>((_resolve, reject) => {
      stopOnAbort = () => {
        this.stop();
        reject(signal.reason as Error);
      };
    });
    signal.addEventListener('abort', stopOnAbort, { once: true });
    const starting = this.#startOnce();
    // stop() makes #start() reject with its own TypeError, which the caller must not see.
    starting.catch(() => undefined);
    try {
      await Promise.race([starting, aborted]);
    } finally {
      signal.removeEventListener('abort', stopOnAbort);
    }
  }

  /**
   * Returns the start in flight, resolves at once when the client runs connected, and starts it
   * otherwise. JsSIP emits `connected` once per connection, so a second start of a connected
   * client would wait for it forever, and a second #start() would count as a stop of the first.
   */
  #startOnce(): Promise<void> {
    if (this.#starting !== undefined) return this.#starting;
    if (this.#running && this.ua.isConnected()) return Promise.resolve();
    const starting = this.#start().finally(() => {
      if (this.#starting === starting) this.#starting = undefined;
    });
    this.#starting = starting;
    return starting;
  }

  async #start(): Promise<void> {
    const run = ++this.#runs;
    const { keyStore, uri } = this.#options;
    if ((await keyStore.getIdentity(uri)) === undefined) {
      throw new KeyNotFoundError(`no identity for ${uri} in the key store`);
    }
    // Every protected request is encrypted for the server, so a certificate that fails here
    // would fail each of them. The client does not connect with it.
    await this.pipeline.checkServerCertificates();
    this.#checkRun(run);
    // A client started again after stop() records what it receives again, and refreshes its
    // publications with new timers.
    this.pipeline.resumeWriting();
    if (this.#stopped) {
      this.#stopped = false;
      this.#authorisation = this.#refreshOf('service-authorisation');
      this.#affiliation = this.#refreshOf('affiliation');
    }
    this.#running = true;
    // Before anything arrives: a request received in an earlier session would pass as new.
    await this.pipeline.restoreReplayRecords();
    this.#checkRun(run);
    this.#fillEnvelopes();
    await new Promise<void>((resolve, reject) => {
      this.#abortStart = () => reject(clientStopped());
      onceUaEvent(this.ua, 'connected', () => resolve());
      this.ua.start();
    }).finally(() => {
      this.#abortStart = undefined;
    });
  }

  /** Raises TypeError when stop() or another start() came since the start() of `run`. */
  #checkRun(run: number): void {
    if (run !== this.#runs) throw clientStopped();
  }

  /** Starts a pool making envelopes for the server certificates; a failure only costs speed. */
  #fillEnvelopes(): void {
    const failed = (): void => {
      try {
        this.#logger.warn('envelopes', 'envelope pool not filled; messages make their own');
      } catch {
        // A logger that throws must not turn a slower message into an unhandled rejection.
      }
    };
    try {
      const { envelopes, serverCertificates } = this.#options;
      if (!hasFill(envelopes) || serverCertificates === undefined) return;
      if (serverCertificates.length === 0) return;
      // An EnvelopePool resolves false rather than rejecting when its preparer failed.
      Promise.resolve(envelopes.fill(serverCertificates, DEFAULT_CONTENT_ENCRYPTION)).then(
        (filled) => {
          if (filled === false) failed();
        },
        failed,
      );
    } catch {
      failed();
    }
  }

  /**
   * Replaces the certificate revocation lists of {@link McpttClientOptions.revocationLists}, for
   * example with newer lists before the current ones pass their nextUpdate. Messages received from
   * then on are checked against them.
   */
  setRevocationLists(lists: readonly RevocationList[]): void {
    this.pipeline.setRevocationLists(lists);
  }

  /**
   * Closes the transport, ends every session and stops refreshing the publications. A message
   * that was being opened then writes nothing to the key store or the replay store, even after
   * the next `start()`, so that the application can `wipe()` them at logout.
   */
  stop(): void {
    // JsSIP reports the transport that it closes here as disconnected, which is no loss.
    this.#registration = 'none';
    this.#running = false;
    this.#stopped = true;
    this.#runs += 1;
    this.#starting = undefined;
    this.#abortStart?.();
    this.pipeline.stopWriting();
    this.#authorisation.close();
    this.#affiliation.close();
    // An affiliation still in flight must not arm the timers of the next start(), and a client
    // started again publishes only the groups that it is given again.
    this.#affiliationChanges += 1;
    this.#lastAffiliation = undefined;
    this.ua.stop();
  }

  /** Raises TypeError unless the client is between start() and stop(). */
  #requireRunning(action: string): void {
    if (!this.#running) throw new TypeError(`${action}: the client is not started`);
  }

  /**
   * Raises SipRequestFailedError (503) when the transport is not connected, such as while start()
   * waits for the SIP core or JsSIP reconnects, so that no request fails as a timeout that never
   * ran.
   */
  #requireConnected(): void {
    if (!this.ua.isConnected()) throw notConnected();
  }

  /**
   * Registers, with mcptt-info carrying the client ID and the access token (TS 24.379 §7.2.1),
   * then, with a `serverUri`, authorises the service with the MCPTT server by a PUBLISH of
   * poc-settings. Every body is protected like every other non-SDP body. Rejects with
   * SipRequestFailedError, 403 when the server rejects the user or its certificate; the delegate
   * hears `onRegistered` only once both steps succeeded. On a client that is registered already,
   * such as one whose authorisation failed, it only authorises the service again, and calls that
   * overlap share one authorisation. After a lost connection it also publishes the affiliation
   * again. Rejects with TypeError before start() and after stop().
   */
  register(): Promise<void> {
    if (!this.#running) return Promise.reject(new TypeError('register: the client is not started'));
    if (!this.ua.isConnected()) return Promise.reject(notConnected());
    // This registration reports to the delegate itself, not as a registration after a loss, and
    // so it also does what that one would have done.
    const afterLoss = this.#registration === 'lost';
    this.#registration = 'none';
    // JsSIP reports `registered` only when its state changes, so a client that is registered
    // already, such as one whose service authorisation failed, only authorises again.
    if (this.ua.isRegistered()) return this.#authoriseOnce(afterLoss);
    const registrator = this.ua.registrator();
    registrator.setExtraContactParams({
      '+g.3gpp.mcptt': true,
      '+g.3gpp.icsi-ref': '"urn%3Aurn-7%3A3gpp-service.ims.icsi.mcptt"',
    });
    const registered = new Promise<void>((resolve, reject) => {
      const done = (): void => {
        removeUaListener(this.ua, 'registrationFailed', failed);
        resolve();
      };
      const failed = (event: RegistrationFailure): void => {
        removeUaListener(this.ua, 'registered', done);
        this.#options.delegate?.onRegistrationFailed?.(event.cause ?? 'unknown');
        reject(failureOf(event.response));
      };
      onceUaEvent(this.ua, 'registered', done);
      onceUaEvent(this.ua, 'registrationFailed', failed);
      this.ua.register();
    });
    return registered.then(() => this.#authoriseOnce(afterLoss));
  }

  /**
   * Authorises the service, sharing an authorisation already in flight, then with `afterLoss`
   * publishes the last affiliation again: a server that restarted has forgotten both.
   */
  async #authoriseOnce(afterLoss: boolean): Promise<void> {
    const change = this.#affiliationChanges;
    this.#authorising ??= this.#authorise().finally(() => {
      this.#authorising = undefined;
    });
    await this.#authorising;
    if (afterLoss) await this.#publishAffiliationAgain(change);
  }

  async #authorise(): Promise<void> {
    const run = this.#runs;
    const { serverUri, clientId, accessToken, crypto, delegate } = this.#options;
    if (serverUri !== undefined) {
      const publish: Publish = () =>
        authoriseService(this.socket, this.pipeline, crypto, {
          target: serverUri,
          mcpttId: this.#options.uri,
          ...optional('clientId', clientId),
          ...optional('accessToken', accessToken),
          ...optional('expires', this.#options.authorisationExpires),
          ...optional('answerChallenge', this.#answerChallenge),
        });
      try {
        this.#authorisation.start(publish, await publish());
      } catch (error) {
        // An authorisation that a stop() overtook reports nothing to the next session.
        if (run !== this.#runs) throw error;
        const status = error instanceof SipRequestFailedError ? error.sipStatus : 500;
        delegate?.onRegistrationFailed?.(`service authorisation rejected (${String(status)})`);
        throw error;
      }
    }
    if (run !== this.#runs) throw clientStopped();
    this.#registration = 'registered';
    delegate?.onRegistered?.();
  }

  /**
   * Sends short data as a protected MESSAGE and resolves with its Call-ID. With a `serverUri`,
   * the MESSAGE goes to the MCPTT server with mcptt-info naming `target` (a group ID or an MCPTT
   * ID) in mcptt-request-uri, and the server relays the text to the group's affiliated members or
   * to the user; the core sees neither. Without one, it goes to `target` directly. Rejects with
   * SipRequestFailedError.
   */
  sendShortData(target: string, text: string): Promise<string> {
    const serverUri = this.#options.serverUri;
    if (serverUri === undefined) return this.#sendMessage(target, text, 'text/plain;charset=utf-8');
    const parts: BodyPart[] = [
      {
        contentType: MCPTT_INFO_TYPE,
        body: buildMcpttInfo({
          requestUri: target,
          ...optional('clientId', this.#options.clientId),
        }),
      },
      { contentType: 'text/plain;charset=utf-8', body: text },
    ];
    const { contentType, body } = composeMixedBody(undefined, parts, this.#options.crypto);
    return this.#sendMessage(serverUri, body, contentType);
  }

  /**
   * Sends a location report as a protected MESSAGE and resolves with its Call-ID. Rejects with
   * TypeError for a coordinate out of range, and with SipRequestFailedError for a failure.
   *
   * @param target - SIP URI of the recipient, usually the MCPTT server.
   * @param report - The report type, coordinates in decimal degrees and optional trigger ID.
   */
  async sendLocationReport(target: string, report: LocationReport): Promise<string> {
    // Inside an async method, the TypeError of a bad coordinate rejects rather than throws.
    return this.#sendMessage(target, buildLocationInfo(report), LOCATION_INFO_TYPE);
  }

  /**
   * Sends an emergency alert for `groupId` (TS 24.379) as a protected MESSAGE with mcptt-info
   * (alert-ind true, emergency-ind true, the group in mcptt-request-uri) and, when given, the
   * location. `target` is the Request-URI: the MCPTT server's URI, which relays the alert to the
   * group's affiliated members, or a peer's for an alert without a server. Resolves with the
   * Call-ID. Rejects with TypeError for a location out of range, and with SipRequestFailedError
   * for a failure, such as 404 from a server that has no such group.
   */
  sendEmergencyAlert(target: string, groupId: string, location?: LocationReport): Promise<string> {
    return this.#sendAlert(target, groupId, true, location);
  }

  /**
   * Cancels the emergency alert that this user sent for `groupId`: a protected MESSAGE with
   * mcptt-info (alert-ind false, emergency-ind false), which the MCPTT server relays to the
   * members as it relayed the alert. `target` is as for {@link sendEmergencyAlert}. Resolves with
   * the Call-ID, and rejects as that method does.
   */
  cancelEmergencyAlert(target: string, groupId: string): Promise<string> {
    return this.#sendAlert(target, groupId, false, undefined);
  }

  async #sendAlert(
    target: string,
    groupId: string,
    alert: boolean,
    location: LocationReport | undefined,
  ): Promise<string> {
    const parts: BodyPart[] = [
      {
        contentType: MCPTT_INFO_TYPE,
        body: buildMcpttInfo({
          requestUri: groupId,
          emergency: alert,
          alert,
          ...optional('clientId', this.#options.clientId),
        }),
      },
    ];
    if (location !== undefined) {
      parts.push({ contentType: LOCATION_INFO_TYPE, body: buildLocationInfo(location) });
    }
    const { contentType, body } = composeMixedBody(undefined, parts, this.#options.crypto);
    return this.#sendMessage(target, body, contentType);
  }

  /**
   * Starts a prearranged, chat or broadcast group call, with mcptt-info naming the group in
   * mcptt-request-uri. Emergency and imminent-peril calls add their indication and
   * Resource-Priority. Throws TypeError without a target, without WebRTC, or before start() and
   * after stop(), and SipRequestFailedError (503) while the transport is not connected.
   *
   * @param options - The group, the call type and indications, and the media options.
   * @returns The call, in state `calling`; `delegate.onStateChange` reports the outcome.
   */
  startGroupCall(options: GroupCallOptions): McpttCall {
    const request = buildGroupCallRequest(options, { clientId: this.#options.clientId });
    return this.#startCall(options, request);
  }

  /**
   * Starts a private call, with resource-lists naming the callee and the commencement mode in
   * Answer-Mode. Throws TypeError without a target, without WebRTC, or before start() and after
   * stop(), and SipRequestFailedError (503) while the transport is not connected.
   *
   * @param options - The callee, the commencement mode and the media options.
   * @returns The call, in state `calling`; `delegate.onStateChange` reports the outcome.
   */
  startPrivateCall(options: PrivateCallOptions): McpttCall {
    const request = buildPrivateCallRequest(options, { clientId: this.#options.clientId });
    return this.#startCall(options, request);
  }

  /**
   * Publishes the groups of this client as a protected pidf in a PUBLISH of its own, and publishes
   * them again before the server lets them lapse, until the next call or {@link McpttClient.stop}.
   * The previous affiliation is no longer refreshed from the moment of the call, even when this
   * PUBLISH fails, so that a late refresh cannot bring back groups the user has left. Rejects
   * with TypeError, before anything changes, for options other than {@link AffiliationOptions}
   * describes (such as a target or group that is not a SIP URI, or an `expires` that is not a
   * whole number of seconds from 0 to 2^31-1), and before start() or after stop().
   *
   * @param options - The groups, the server's URI as target, and optionally `expires` and the
   *   IDs that {@link AffiliationOptions} describes.
   */
  async setAffiliation(options: AffiliationOptions): Promise<void> {
    this.#requireRunning('setAffiliation');
    checkAffiliationOptions(options);
    this.#requireConnected();
    const change = ++this.#affiliationChanges;
    this.#affiliation.stop();
    const publish: Publish = () =>
      publishAffiliation(this.socket, this.pipeline, this.#options.crypto, {
        ...options,
        mcpttId: options.mcpttId ?? this.#options.uri,
        clientId: options.clientId ?? this.#options.clientId ?? '',
        answerChallenge: this.#answerChallenge,
      });
    this.#lastAffiliation = publish;
    const granted = await publish();
    if (change === this.#affiliationChanges) this.#affiliation.start(publish, granted);
  }

  /**
   * Authorises the service and publishes the affiliation again once JsSIP has registered anew
   * after a lost connection: a server that restarted meanwhile has forgotten both. Failures go to
   * the delegate as they do for the first registration and for refreshes.
   */
  async #registerAgain(): Promise<void> {
    await this.#authoriseOnce(true);
  }

  /** Publishes the last affiliation again, unless another one was set since change `change`. */
  async #publishAffiliationAgain(change: number): Promise<void> {
    const publish = this.#lastAffiliation;
    if (publish === undefined || change !== this.#affiliationChanges) return;
    this.#affiliation.stop();
    try {
      const granted = await publish();
      if (change === this.#affiliationChanges) this.#affiliation.start(publish, granted);
    } catch (error) {
      const sipStatus = error instanceof SipRequestFailedError ? error.sipStatus : 500;
      this.#options.delegate?.onRefreshFailed?.({
        publication: 'affiliation',
        sipStatus,
        retrying: false,
      });
    }
  }

  #startCall(options: CallOptions, request: CallRequest): McpttCall {
    this.#requireRunning('call');
    const target = options.target ?? this.#options.serverUri;
    if (target === undefined) throw new TypeError('call target missing: set serverUri or target');
    this.#requireConnected();
    return this.#calls.start(target, request, options);
  }

  #registrationParts(): BodyPart[] | undefined {
    const { clientId, accessToken } = this.#options;
    if (clientId === undefined && accessToken === undefined) return undefined;
    const info = { ...optional('accessToken', accessToken), ...optional('clientId', clientId) };
    return [{ contentType: MCPTT_INFO_TYPE, body: buildMcpttInfo(info) }];
  }

  #sendMessage(target: string, body: string, contentType: string): Promise<string> {
    return new Promise((resolve, reject) => {
      this.#requireRunning('MESSAGE');
      this.#requireConnected();
      this.ua.sendMessage(target, body, {
        contentType,
        extraHeaders: [...MCPTT_REQUEST_HEADERS],
        eventHandlers: {
          // JsSIP's typings omit call_id, which every IncomingResponse has.
          succeeded: (event) => resolve((event.response as unknown as { call_id: string }).call_id),
          failed: (event) => reject(failureOf(event.response)),
        },
      });
    });
  }

  #listen(): void {
    const lost = (): void => {
      if (this.#registration !== 'registered') return;
      this.#registration = 'lost';
      this.#options.delegate?.onDisconnected?.();
    };
    this.ua.on('disconnected', lost);
    this.ua.on('unregistered', lost);
    // JsSIP registers again by itself once the transport is back. register() handles the first.
    this.ua.on('registered', () => {
      if (this.#registration !== 'lost') return;
      this.#registration = 'none';
      // #authorise reports success or failure to the delegate.
      this.#registerAgain().catch(() => undefined);
    });
    this.ua.on('registrationFailed', (event: RegistrationFailure) => {
      if (this.#registration !== 'lost') return;
      this.#options.delegate?.onRegistrationFailed?.(event.cause ?? 'unknown');
    });
    this.ua.on('newMessage', (event: IncomingMessageEvent | OutgoingMessageEvent) => {
      if (event.originator !== ('remote' as IncomingMessageEvent['originator'])) return;
      const request = event.request;
      // JsSIP's typings omit call_id and cseq, which every IncomingRequest has.
      const { call_id: callId, cseq } = request as unknown as { call_id: string; cseq: number };
      const received = this.#received.take(callId, cseq, 'MESSAGE');
      if (received === undefined) return;
      this.#dispatchMessage(request.from.uri.toString(), received, event.message);
    });
  }

  /**
   * Delivers a MESSAGE to the delegate. A MESSAGE whose MCPTT content does not parse is rejected
   * with 400 before JsSIP can send its 200, and reported to `onSecurityFailure`.
   */
  #dispatchMessage(
    sender: string,
    received: ReceivedMessage,
    message: IncomingMessageEvent['message'],
  ): void {
    const delegate = this.#options.delegate;
    const { security, callId } = received;
    let content;
    try {
      content = readIncomingMessage(received);
    } catch (error) {
      this.#rejectMessage(callId, message, error);
      return;
    }
    const { claimed, report, unreadLocation } = content;
    if (unreadLocation) {
      this.#logger.warn(CATEGORY, 'emergency alert location-info part malformed', { callId });
    }
    // A MESSAGE relayed by the MCPTT server comes From the server, and its mcptt-info names the
    // user who sent it and the group it went to. From anyone else, the sender is the signer.
    const vouched = vouchedByServer(this.#trust, security, sender);
    const info = believedInfo(claimed, vouched);
    const from = vouched ? (claimed?.callingUserId ?? sender) : (security.signerUri ?? sender);

    if (info?.alert !== undefined) {
      if (this.#alertOrder.isSuperseded(from, info.callingGroupId, security)) {
        this.#logger.warn(CATEGORY, 'emergency alert older than the last one received', {
          callId,
        });
        message.reject({
          status_code: 403,
          reason_phrase: 'Forbidden, superseded by a later emergency alert',
        });
        return;
      }
      const event = { from, info, location: report, security, callId };
      if (info.alert) delegate?.onEmergencyAlert?.(event);
      else delegate?.onEmergencyAlertCancelled?.(event);
      return;
    }
    if (report !== undefined) {
      delegate?.onLocationReport?.({ from, report, security, callId });
      return;
    }
    const text = findPart(received.parts, 'text/plain');
    if (text === undefined) return;
    delegate?.onShortData?.({
      from,
      groupId: info?.callingGroupId,
      text: text.body,
      security,
      callId,
    });
  }

  /**
   * Rejects a MESSAGE whose content could not be read with the error's status (400 for a
   * malformed part), and reports it to the log and to `onSecurityFailure`.
   */
  #rejectMessage(callId: string, message: IncomingMessageEvent['message'], error: unknown): void {
    const failure = toProtectionFailure(error);
    // The message of readIncomingMessage's error names the part alone, never its content.
    this.#logger.warn(CATEGORY, 'incoming MESSAGE rejected', {
      callId,
      reason: error instanceof MimeParseError ? error.message : 'internal error',
      code: failure.code,
      sipStatus: failure.sipStatus,
    });
    message.reject({ status_code: failure.sipStatus });
    this.#options.delegate?.onSecurityFailure?.({
      ...failure,
      direction: 'incoming',
      callId,
      method: 'MESSAGE',
      error,
    });
  }
}

/** The fields of JsSIP's registrationFailed event that the client reads. */
interface RegistrationFailure {
  readonly cause?: string;
  readonly response?: SipResponseLike | null;
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

export type { McpttClientOptions, SecurityInfo };

/** An envelope source with a `fill` method that starts making envelopes, such as an `EnvelopePool`. */
interface FillableEnvelopeSource extends EnvelopeSource {
  fill(recipients: readonly Uint8Array[], algorithm: ContentEncryptionAlgorithm): Promise<unknown>;
}

/** Returns the error of a start() or registration that a stop() overtook. */
function clientStopped(): TypeError {
  return new TypeError('the client was stopped');
}

/** Returns the failure of a request made while the transport is not connected. */
function notConnected(): SipRequestFailedError {
  return new SipRequestFailedError(503, 'Service Unavailable, not connected to the SIP core');
}

function hasFill(source: EnvelopeSource | undefined): source is FillableEnvelopeSource {
  return typeof (source as Partial<FillableEnvelopeSource> | undefined)?.fill === 'function';
}
