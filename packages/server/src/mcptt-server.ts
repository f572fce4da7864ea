/**
 * The reference MCPTT server: it connects to the SIP core over WebSocket, registers its own URI,
 * and serves service authorisation, affiliation, group, emergency and private calls, and short
 * data, opening every protected body that clients send and protecting every body it sends.
 *
 * @module
 */
import { pino, type Logger } from 'pino';
import {
  CertificateRevokedError,
  IdentityMismatchError,
  ReplayGuard,
  SipMessage,
  certificateSipUris,
  checkCertificate,
  hasToTag,
  isMcpttError,
  sameAddressOfRecord,
  type RevocationList,
  type RevocationMode,
} from '@mcptt-smime/smime';
import { createNodeCrypto } from '@mcptt-smime/smime/node';
import { handleBye, handleInvite } from './call-handlers.js';
import { CallStore } from './call-store.js';
import type { ServerConfig } from './config.js';
import { digestAuthorization } from './core-digest.js';
import { CoreLink, type CoreConnectionState } from './core-link.js';
import {
  checkEnrolmentTrusted,
  loadCredentials,
  loadPeerCertificates,
  loadRevocationLists,
} from './identity-files.js';
import { XmlPartMalformedError, XmlPartTooLargeError } from './mcptt-xml.js';
import { endCall, endUnacknowledgedLeg } from './member-invite.js';
import { PendingInvites } from './pending-invites.js';
import { Registry, type StoredCertificate } from './registry.js';
import { ReplayFile } from './replay-file.js';
import { claimStateFile, readStateFile, StateWriter, type StateFileClaim } from './state-file.js';
import { MAX_SIGNATURE_AGE_MS, rejectWithError } from './request-guard.js';
import type { ServerContext } from './server-context.js';
import { handlePublish, handleRegister } from './service-handlers.js';
import { handleSessionUpdate } from './session-update.js';
import { handleMessage } from './short-data.js';
import { createResponse, randomToken, requestLine } from './sip-builder.js';
import { handleInfo } from './talk-handler.js';
import {
  DEFAULT_TIMERS,
  TransactionLayer,
  type ServerTransaction,
  type TransactionTimers,
} from './transaction-layer.js';

/** Options of {@link McpttServer.start}. */
export interface McpttServerOptions {
  readonly config: ServerConfig;
  /** WebSocket URL of the SIP core, such as `ws://127.0.0.1:8080`. */
  readonly coreUrl: string;
  /**
   * WebCrypto engine. Default `createNodeCrypto()` from `@mcptt-smime/smime/node`, which computes
   * the short operations of each message in the event loop rather than on the thread pool.
   */
  readonly crypto?: Crypto;
  /** Default: a pino logger at level `info` on standard output. */
  readonly logger?: Logger;
  readonly timers?: TransactionTimers;
  /** Clock for certificate checks and expiry. Default `() => new Date()`. */
  readonly now?: () => Date;
  /**
   * Called when the connection to the SIP core changes state after `start()` resolved: with
   * `reconnecting` when the core closed it, with `connected` once the server has connected and
   * registered again, and with `closed` on `stop()`. A `start()` that fails never calls it, even
   * when it had connected before the registration failed, because no server ever ran.
   */
  readonly onCoreConnectionChange?: (state: CoreConnectionState) => void;
}

const REGISTRATION_SECONDS = 600;

/** The methods that {@link McpttServer.dispatch} handles, for the Allow header of a 405. */
const ALLOWED_METHODS = [
  'INVITE',
  'ACK',
  'BYE',
  'CANCEL',
  'UPDATE',
  'INFO',
  'MESSAGE',
  'REGISTER',
  'PUBLISH',
  'OPTIONS',
] as const;

/** How long {@link McpttServer.stop} waits for BYE and REGISTER responses. */
const STOP_GRACE_MS = 1000;

/**
 * A running MCPTT server.
 *
 * @example
 * ```ts
 * // context: coreUrl: string
 * const server = await McpttServer.start({ config: await loadConfig('server.json'), coreUrl });
 * // ...
 * await server.stop();
 * ```
 */
export class McpttServer {
  /**
   * The state that the request handlers share: the configuration, the identity, the registry,
   * the calls and the logger.
   */
  readonly context: ServerContext;
  readonly #link: CoreLink;
  #refresh: ReturnType<typeof setInterval> | undefined;
  #stateWriter: StateWriter | undefined;
  #replayFile: ReplayFile | undefined;
  #claim: StateFileClaim | undefined;

  private constructor(context: ServerContext, link: CoreLink) {
    this.context = context;
    this.#link = link;
  }

  /**
   * Loads the keys, connects to the core and registers the server's URI. When the core closes the
   * connection, the server connects and registers again, after 0.5 s, then doubling up to 30 s
   * between attempts, until {@link stop}. Requests that were waiting for a response then resolve
   * with 503. When the core cannot be reached or the registration fails, rejects with that
   * error, closes any connection it opened, and reports no state to `onCoreConnectionChange`.
   *
   * @param options - The configuration, the core's WebSocket URL, and optionally a logger, a clock,
   *   a crypto and the state callbacks.
   * @returns The running server.
   */
  static async start(options: McpttServerOptions): Promise<McpttServer> {
    const crypto = options.crypto ?? createNodeCrypto();
    const now = options.now ?? (() => new Date());
    const logger = options.logger ?? pino({ name: 'mcptt-server' });
    const { config } = options;
    const credentials = await loadCredentials(crypto, config.serverUri, config.identity, now());
    if (config.enrolment !== undefined) {
      await checkEnrolmentTrusted(config.enrolment.caCertificate, credentials.trustAnchors, now());
    }
    const registry = new Registry(config, () => now().getTime());
    const checks: CertificateChecks = {
      crypto,
      trustAnchors: credentials.trustAnchors,
      revocationLists: credentials.revocationLists,
      revocation: config.identity.revocation,
      now: now(),
      logger,
    };
    if (config.peerCertificates !== undefined) {
      await configurePeerCertificates(config.peerCertificates, registry, config.serverUri, checks);
    }
    // The state file is claimed before it is read, so that no other server writes to it meanwhile.
    const claim =
      config.stateFile === undefined ? undefined : await claimStateFile(config.stateFile);
    try {
      return await McpttServer.#startWithState(options, credentials, registry, checks, claim);
    } catch (error) {
      await claim?.release();
      throw error;
    }
  }

  static async #startWithState(
    options: McpttServerOptions,
    credentials: Awaited<ReturnType<typeof loadCredentials>>,
    registry: Registry,
    checks: CertificateChecks,
    claim: StateFileClaim | undefined,
  ): Promise<McpttServer> {
    const { config } = options;
    const { crypto, logger } = checks;
    const now = options.now ?? (() => new Date());
    const stateWriter =
      config.stateFile === undefined
        ? undefined
        : await restoreState(config.stateFile, registry, checks);

    // Requests signed less than MAX_SIGNATURE_AGE_MS ago can still be accepted, so each is
    // remembered that long, across restarts when there is a state file.
    const replayFile =
      config.stateFile === undefined
        ? undefined
        : new ReplayFile(`${config.stateFile}.replay`, {
            now: () => now().getTime(),
            logger,
          });
    try {
      const replayGuard = new ReplayGuard({
        windowMs: MAX_SIGNATURE_AGE_MS,
        ...(replayFile === undefined ? {} : { onRecord: (record) => void replayFile.add(record) }),
      });
      if (replayFile !== undefined) {
        const records = replayGuard.restore(await replayFile.load(), now());
        logger.info({ records }, 'replay records restored');
      }

      // States go to the application only once start() resolves, because a failed start() leaves
      // it no server whose connection they could describe.
      let started = false;
      // The link and the transaction layer call the server, which needs them to exist first. Their
      // callbacks run only once the link opens, after the server exists.
      const link = new CoreLink({
        url: options.coreUrl,
        logger,
        delegate: {
          onFrame: (data) => server.receive(data),
          onLost: () => transactions.transportLost(),
          onReconnect: async () => {
            transactions.transportRestored();
            await server.#registerOnce();
          },
          onStateChange: (state) => {
            if (started) options.onCoreConnectionChange?.(state);
          },
        },
      });
      const transactions = new TransactionLayer(
        (message) => link.send(message.toBytes()),
        {
          onRequest: (transaction) => server.dispatch(transaction),
          onStrayResponse: (response) =>
            logger.debug({ callId: response.callId }, 'stray response'),
          onAckTimeout: (invite, response) => {
            endUnacknowledgedLeg(context, invite, response).catch((error: unknown) => {
              logger.error(
                { callId: invite.callId, err: error },
                'ending an unacknowledged leg failed',
              );
            });
          },
        },
        options.timers ?? DEFAULT_TIMERS,
      );
      const userPart = /^sips?:([^@]+)@/.exec(config.serverUri)?.[1] ?? 'mcptt-server';
      const context: ServerContext = {
        config,
        crypto,
        identity: credentials.identity,
        trustAnchors: credentials.trustAnchors,
        revocationLists: credentials.revocationLists,
        registry,
        calls: new CallStore(),
        pendingInvites: new PendingInvites(),
        shortDataInRelay: new Map(),
        latestAlerts: new Map(),
        transactions,
        replayGuard,
        logger,
        contactUri: `sip:${userPart}@${randomToken(6)}.invalid;transport=ws`,
        now,
      };

      const server = new McpttServer(context, link);
      server.#stateWriter = stateWriter;
      server.#replayFile = replayFile;
      server.#claim = claim;
      await link.open();
      try {
        await server.#register();
      } catch (error) {
        transactions.close();
        await link.close();
        throw error;
      }
      started = true;
      logger.info({ uri: config.serverUri, core: options.coreUrl }, 'MCPTT server started');
      if (config.insecurePlainCalls === true) {
        logger.warn('insecurePlainCalls is on: calls and short data are sent in clear');
      }
      return server;
    } catch (error) {
      // Nothing may write the state files once start() has released them.
      await closeState(registry, stateWriter, replayFile);
      throw error;
    }
  }

  /** State of the connection to the SIP core. */
  get coreConnectionState(): CoreConnectionState {
    return this.#link.state;
  }

  /**
   * Reads the files of `identity.revocationLists` again and checks the requests from then on
   * against their lists, for example after a CA published newer ones. A user whose stored
   * certificate the new lists revoke loses the service authorisation and the affiliations at
   * once. The server also deletes that certificate, so that it invites the user to no call and
   * encrypts nothing more for that key. Resolves with the number of lists. A file that cannot be
   * read raises the error of reading it, and one with an unusable list raises TypeError naming
   * the file. In both cases the lists in force stay.
   */
  async reloadRevocationLists(): Promise<number> {
    const lists: RevocationList[] = [];
    for (const file of this.context.config.identity.revocationLists ?? []) {
      lists.push(...(await loadRevocationLists(file)));
    }
    this.context.revocationLists = lists;
    const withdrawn = await this.#withdrawRevoked(lists);
    this.context.logger.info({ lists: lists.length, withdrawn }, 'revocation lists reloaded');
    return lists.length;
  }

  /**
   * Withdraws the users whose stored certificate `lists` revoke, or an intermediate CA of its
   * path, and returns how many. A certificate whose intermediates are not known, such as one
   * from a configured file without them, has no path here and stays. Its holder's next request is
   * still checked against the lists.
   */
  async #withdrawRevoked(lists: readonly RevocationList[]): Promise<number> {
    const { registry, logger } = this.context;
    let withdrawn = 0;
    for (const [uri, { certificate, intermediates }] of registry.certificates()) {
      try {
        await checkCertificate({
          crypto: this.context.crypto,
          certificate,
          intermediates,
          trustAnchors: this.context.trustAnchors,
          now: this.context.now(),
          revocationLists: lists,
        });
      } catch (error) {
        if (!(error instanceof CertificateRevokedError)) continue;
        registry.withdraw(uri);
        withdrawn += 1;
        logger.warn({ user: uri, code: error.code }, 'user withdrawn: certificate revoked');
      }
    }
    return withdrawn;
  }

  /**
   * Handles one frame from the core. A request other than ACK that does not parse gets a response
   * with the status of its error, 400, 413 or 505, when the fields that a response copies can be
   * read (RFC 3261 §8.2, RFC 4475). Any other frame that does not parse is dropped.
   *
   * @param data - One WebSocket frame from the core.
   */
  receive(data: Uint8Array): void {
    let message: SipMessage;
    try {
      message = SipMessage.parse(data);
    } catch (error) {
      if (!isMcpttError(error)) {
        throw error;
      }
      const { callId, answered } = this.context.transactions.rejectUnparsable(data, error);
      this.context.logger.warn(
        {
          code: error.code,
          callId,
          size: data.length,
          ...(answered ? { status: error.sipStatus } : {}),
        },
        answered ? 'malformed SIP request rejected' : 'malformed SIP message dropped',
      );
      return;
    }
    this.context.transactions.receive(message);
  }

  /**
   * Passes a new request to its handler and logs its final status once.
   *
   * @param transaction - The server transaction of the new request.
   */
  dispatch(transaction: ServerTransaction): void {
    const logged = this.#loggingTransaction(transaction);
    this.#handle(logged).catch((error: unknown) => {
      const xmlError =
        error instanceof XmlPartTooLargeError || error instanceof XmlPartMalformedError;
      if (xmlError && !logged.completed) {
        rejectWithError(this.context, logged, error);
        return;
      }
      this.context.logger.error(
        { callId: transaction.request.callId, err: error },
        'request handler failed',
      );
      if (!logged.completed) {
        logged.respond(createResponse(transaction.request, 500, { toTag: randomToken() }));
      }
    });
  }

  /**
   * Ends every call, unregisters and closes the connection. While the server reconnects, it stops
   * the attempts and aborts a handshake in progress at once.
   */
  async stop(): Promise<void> {
    clearInterval(this.#refresh);
    const { calls } = this.context;
    const ending = Promise.all([
      ...calls.all().map((call) => endCall(this.context, call, 'server shutting down')),
      this.#sendRegister(0),
    ]);
    try {
      // Peers that are gone send no response, and closing the transactions ends the rest with 408.
      await Promise.race([ending, new Promise((resolve) => setTimeout(resolve, STOP_GRACE_MS))]);
      this.context.transactions.close();
      await ending;
      await this.#link.close();
    } finally {
      // Also after a failure above, so that a restart in this process can claim the files.
      await closeState(this.context.registry, this.#stateWriter, this.#replayFile);
      await this.#claim?.release();
    }
    this.context.logger.info('MCPTT server stopped');
  }

  async #handle(transaction: ServerTransaction): Promise<void> {
    const request = transaction.request;
    const inDialog = hasToTag(request.getHeader('To') ?? '');
    switch (request.method) {
      case 'INVITE':
        return inDialog
          ? handleSessionUpdate(this.context, transaction)
          : handleInvite(this.context, transaction);
      case 'UPDATE':
        return handleSessionUpdate(this.context, transaction);
      case 'ACK':
        return;
      case 'BYE':
        return handleBye(this.context, transaction);
      case 'INFO':
        return handleInfo(this.context, transaction);
      case 'CANCEL': {
        // RFC 3261 §9.2: 200 for a CANCEL that matches an INVITE, 481 otherwise.
        const matched = this.context.pendingInvites.cancel(request);
        transaction.respond(createResponse(request, matched ? 200 : 481, { toTag: randomToken() }));
        return;
      }
      case 'MESSAGE':
        return handleMessage(this.context, transaction);
      case 'REGISTER':
        return handleRegister(this.context, transaction);
      case 'PUBLISH':
        return handlePublish(this.context, transaction);
      case 'OPTIONS':
        transaction.respond(createResponse(request, 200, { toTag: randomToken() }));
        return;
      default:
        // RFC 3261 §8.2.1: a 405 lists the supported methods in Allow.
        this.context.logger.warn(
          {
            callId: request.callId,
            method: request.method,
            status: 405,
            reason: 'method not allowed',
          },
          'request rejected',
        );
        transaction.respond(
          createResponse(request, 405, {
            toTag: randomToken(),
            headers: [{ name: 'Allow', value: ALLOWED_METHODS.join(', ') }],
          }),
        );
    }
  }

  #loggingTransaction(transaction: ServerTransaction): ServerTransaction {
    const { logger } = this.context;
    const request = transaction.request;
    return {
      request,
      get completed() {
        return transaction.completed;
      },
      respond: (response) => {
        const status = response.startLine.type === 'response' ? response.startLine.status : 0;
        if (status >= 200 && !transaction.completed) {
          logger.info(
            { callId: request.callId, method: request.method, status },
            'request answered',
          );
        }
        transaction.respond(response);
      },
    };
  }

  async #register(): Promise<void> {
    await this.#registerOnce();
    this.#refresh = setInterval(
      () => {
        this.#sendRegister(REGISTRATION_SECONDS).catch((error: unknown) => {
          this.context.logger.error({ err: error }, 'registration refresh failed');
        });
      },
      (REGISTRATION_SECONDS * 1000) / 2,
    );
    this.#refresh.unref();
  }

  async #registerOnce(): Promise<void> {
    const response = await this.#sendRegister(REGISTRATION_SECONDS);
    const status = response.startLine.type === 'response' ? response.startLine.status : 0;
    if (status !== 200) {
      const { serverUri, coreCredentials } = this.context.config;
      throw new Error(
        `registration of ${serverUri} with the SIP core failed with status ${String(status)}` +
          registrationHint(status, coreCredentials !== undefined, response.cseq.sequence > 1),
      );
    }
  }

  async #sendRegister(expires: number): Promise<SipMessage> {
    const { serverUri } = this.context.config;
    const domain = /@([^;>]+)/.exec(serverUri)?.[1] ?? '';
    const register = SipMessage.create(requestLine('REGISTER', `sip:${domain}`), [
      { name: 'Max-Forwards', value: '70' },
      { name: 'From', value: `<${serverUri}>;tag=${randomToken()}` },
      { name: 'To', value: `<${serverUri}>` },
      { name: 'Call-ID', value: randomToken(12) },
      { name: 'CSeq', value: '1 REGISTER' },
      { name: 'Contact', value: `<${this.context.contactUri}>;expires=${String(expires)}` },
      { name: 'Expires', value: String(expires) },
    ]);
    const response = await this.context.transactions.sendRequest(register);
    const credentials = this.context.config.coreCredentials;
    if (credentials === undefined) return response;
    const userPart = /^sips?:([^@]+)@/.exec(serverUri)?.[1] ?? '';
    const request = { method: 'REGISTER', requestUri: `sip:${domain}` };
    const authorization = digestAuthorization(request, response, credentials, userPart);
    if (authorization === undefined) return response;
    // One retry only: a second challenge means that the credentials are wrong, so it is final.
    const retry = register
      .withHeader('CSeq', '2 REGISTER')
      .withHeader(authorization.name, authorization.value);
    return this.context.transactions.sendRequest(retry);
  }
}

/**
 * Returns what to check after the SIP core refused the server's REGISTER with `status`.
 * `answered` is true when that REGISTER was the retry with credentials, which has CSeq 2.
 */
function registrationHint(status: number, withCredentials: boolean, answered: boolean): string {
  if (status !== 401 && status !== 407) return '';
  if (!withCredentials) {
    return ': the SIP core asks for digest authentication, so set coreCredentials';
  }
  return answered
    ? ': check the password and user name of coreCredentials'
    : ': the SIP core offers no digest challenge that coreCredentials can answer ' +
        '(MD5 or SHA-256, with qop=auth or no qop)';
}

/**
 * Restores the registry from the state file and returns the writer that keeps the file up to
 * date from then on. A restored certificate gets the checks of a request's signer, because the
 * file may have been changed. One that does not name its user or fails those checks (expired,
 * revoked, no path to a trust anchor, no list where `identity.revocation` requires one)
 * withdraws its user. A file that cannot be read or used is logged, and the server starts
 * without it.
 */
async function restoreState(
  file: string,
  registry: Registry,
  checks: CertificateChecks,
): Promise<StateWriter> {
  const { crypto, trustAnchors, revocationLists, revocation, now, logger } = checks;
  let restored: [string, StoredCertificate][] = [];
  try {
    const state = await readStateFile(file);
    // A publication time ahead of the clock is left out, so that a time written far ahead cannot
    // hold back the user's publications. Publications signed before the restart are older than
    // MAX_SIGNATURE_AGE_MS soon after it, and then rejected anyway.
    if (state !== undefined) restored = registry.restore(state, now.getTime());
  } catch (error) {
    logger.warn({ file, err: error }, 'state file not usable: starting without it');
  }
  let withdrawn = 0;
  for (const [uri, { certificate, intermediates }] of restored) {
    try {
      // The server encrypts to this certificate for `uri`, and a fresh one is stored only from a
      // signature whose certificate names the sender.
      if (!certificateSipUris(certificate).some((name) => sameAddressOfRecord(name, uri))) {
        throw new IdentityMismatchError('restored certificate does not name its user');
      }
      await checkCertificate({
        crypto,
        certificate,
        intermediates,
        trustAnchors,
        revocationLists,
        ...(revocation === undefined ? {} : { revocation }),
        now,
      });
    } catch (error) {
      registry.withdraw(uri);
      // The operator's certificate of the user, checked at start, is still the one to encrypt to.
      registry.restoreConfigured(uri);
      withdrawn += 1;
      logger.warn(
        { user: uri, code: isMcpttError(error) ? error.code : undefined },
        'restored user withdrawn: certificate no longer valid',
      );
    }
  }
  logger.info({ file, users: restored.length, withdrawn }, 'state restored');
  const writer = new StateWriter(file, () => registry.snapshot(), logger);
  registry.onChange = () => writer.changed();
  // The file still contains the users withdrawn above.
  if (withdrawn > 0) {
    writer.changed();
    await writer.flush();
  }
  return writer;
}

/** The inputs of a user's certificate check: the server's trust anchors, lists, clock and logger. */
interface CertificateChecks {
  readonly crypto: Crypto;
  readonly trustAnchors: readonly Uint8Array[];
  readonly revocationLists: readonly RevocationList[];
  readonly revocation: RevocationMode | undefined;
  readonly now: Date;
  readonly logger: Logger;
}

/**
 * Configures the certificates of the `peerCertificates` folder that pass the checks of a
 * signer's certificate (chain, key usage, validity, revocation) and name a configured user other
 * than the server. Each other one is logged with the reason and left out, so that the server
 * encrypts to no certificate that it would reject in a signature.
 */
async function configurePeerCertificates(
  folder: string,
  registry: Registry,
  serverUri: string,
  checks: CertificateChecks,
): Promise<void> {
  const { logger, revocation, ...rest } = checks;
  for (const [uri, { certificate, intermediates }] of await loadPeerCertificates(folder)) {
    // The folder may hold the server's own certificate, as the demo PKI's folder does.
    if (sameAddressOfRecord(uri, serverUri)) continue;
    if (registry.user(uri) === undefined) {
      logger.warn({ user: uri }, 'peer certificate skipped: not a configured user');
      continue;
    }
    try {
      await checkCertificate({
        ...rest,
        certificate,
        intermediates,
        ...(revocation === undefined ? {} : { revocation }),
      });
    } catch (error) {
      logger.warn(
        {
          user: uri,
          code: isMcpttError(error) ? error.code : undefined,
          reason: error instanceof Error ? error.message : String(error),
        },
        'peer certificate skipped: certificate not valid',
      );
      continue;
    }
    registry.configureCertificate(uri, certificate, intermediates);
  }
}

/**
 * Stops the writes to the state file and the replay file, once those already started are done,
 * so that the files can be released to another server.
 */
async function closeState(
  registry: Registry,
  stateWriter: StateWriter | undefined,
  replayFile: ReplayFile | undefined,
): Promise<void> {
  registry.onChange = undefined;
  await stateWriter?.flush();
  await replayFile?.close();
}
