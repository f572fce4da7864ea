/**
 * The demo enrolment endpoint: an HTTP server on loopback that issues a certificate for a
 * browser's PKCS#10 request when a configured user presents a one-time code.
 *
 * `POST /enrol` with `{ "uri": "sip:alice@example.com", "code": "...", "csr": "-----BEGIN
 * CERTIFICATE REQUEST-----..." }` returns `{ "certificate": PEM, "caCertificate": PEM }`. Each
 * code works once, across restarts too: a spent code is written to {@link SPENT_CODES_FILE} beside
 * the CA key before the certificate is issued. The certificate names the URI from the
 * configuration, never anything from the request, which only contributes its public key.
 *
 * @module
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { addressOfRecord } from '@mcptt-smime/smime';
import { parseJsonFile, readFileWithin, replaceFile } from './state-file.js';
import type { EnrolmentConfig } from './config.js';
import { checkEnrolmentCa } from './identity-files.js';
import { issueCertificate, UnsupportedKeyError } from './openssl-ca.js';

/** Largest accepted request body in bytes; a P-256 or RSA-4096 request fits easily. */
const MAX_REQUEST_BYTES = 16 * 1024;

/**
 * Time in ms that a client has to send a whole request, headers and body, before it gets 408.
 * Node 20's default of 300 s let a client that sends a byte now and then hold a connection for
 * minutes, and many such clients could use up the file descriptors of the process, which also
 * runs the MCPTT server.
 */
const REQUEST_TIMEOUT_MS = 10_000;

/** Time in ms that a client has to send the request's header fields, within the request timeout. */
const HEADERS_TIMEOUT_MS = 5_000;

/**
 * Wrong codes that a user may present in a row before the endpoint locks the user's code for
 * {@link LOCKOUT_MS}. Each further lockout of the same code lasts twice as long as the one
 * before, up to {@link MAX_LOCKOUT_MS}, so that guessing a code of 8 characters from 32 takes
 * far longer than its validity, while a stranger who has a user's URI can delay the user's
 * enrolment but not spend or revoke the code.
 */
export const MAX_WRONG_CODES = 5;

/** Length of the first lockout of a code, in milliseconds. */
export const LOCKOUT_MS = 60_000;

/** Maximum lockout of a code, in milliseconds: one hour. */
export const MAX_LOCKOUT_MS = 60 * 60_000;

/** Stable codes of the endpoint's error replies, in the `code` field beside `error`. */
export type EnrolmentErrorCode =
  | 'ERR_ENROL_NOT_FOUND'
  | 'ERR_ENROL_ORIGIN'
  | 'ERR_ENROL_HOST'
  | 'ERR_ENROL_CONTENT_TYPE'
  | 'ERR_ENROL_INVALID_REQUEST'
  | 'ERR_ENROL_BODY_TOO_LARGE'
  | 'ERR_ENROL_REJECTED'
  | 'ERR_ENROL_LOCKED'
  | 'ERR_ENROL_UNSUPPORTED_KEY'
  | 'ERR_ENROL_FAILED';

/**
 * Name of the file, in the folder of the CA key, that lists the spent codes, so that a code spent
 * before a restart stays spent. It contains a SHA-256 digest of each user's spent code, never the
 * code, and an operator who gives a user a new code in the configuration makes it usable.
 */
export const SPENT_CODES_FILE = 'enrolment-spent-codes.json';

/** Largest spent-codes file that the endpoint reads, in bytes: tens of thousands of entries. */
const MAX_SPENT_CODES_BYTES = 4 * 1024 * 1024;

/** A running enrolment endpoint. */
export interface EnrolmentServer {
  /** Base URL, such as `http://127.0.0.1:40123`. */
  readonly url: string;
  stop(): Promise<void>;
}

/** Options of {@link startEnrolmentServer}. */
export interface EnrolmentServerOptions {
  /** Clock in milliseconds for the lockouts, `Date.now` by default. */
  readonly now?: () => number;
}

/**
 * Starts the endpoint on 127.0.0.1.
 *
 * @param config - The `enrolment` section of the configuration.
 * @param logger - The pino logger; it never receives codes or keys.
 * @param options - A clock for the lockouts.
 * @returns The endpoint's URL and its `stop`.
 * @throws An error naming `enrolment.caCertificate` or `enrolment.caKey` and the file for an
 *   unusable CA, one naming {@link SPENT_CODES_FILE} when that file is malformed, and an Error
 *   naming `enrolment.port` when the port is in use or cannot be opened. These are start-up errors
 *   of the operator's setup, so they carry no SIP status.
 */
export async function startEnrolmentServer(
  config: EnrolmentConfig,
  logger: Logger,
  options: EnrolmentServerOptions = {},
): Promise<EnrolmentServer> {
  await checkEnrolmentCa(config);
  const spent = new SpentCodes(join(dirname(config.caKey), SPENT_CODES_FILE));
  await spent.load();
  const codes = new Map<string, string>();
  for (const [uri, code] of Object.entries(config.codes)) {
    const aor = addressOfRecord(uri);
    if (!spent.has(aor, code)) codes.set(aor, code);
  }
  const state: EnrolmentState = {
    config,
    codes,
    spent,
    attempts: new Map(),
    hosts: new Set(),
    logger,
    now: options.now ?? Date.now,
  };
  const serverOptions = {
    requestTimeout: REQUEST_TIMEOUT_MS,
    headersTimeout: HEADERS_TIMEOUT_MS,
    // Node checks the two timeouts at this interval, 30 s by default.
    connectionsCheckingInterval: 1_000,
  };
  const server = createServer(serverOptions, (request, response) => {
    handle(request, response, state).catch((error: unknown) => {
      logger.error({ err: error }, 'enrolment failed');
      replyError(response, 500, 'ERR_ENROL_FAILED', 'enrolment failed');
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      const problem =
        error.code === 'EADDRINUSE' ? 'is in use' : `cannot be opened (${error.message})`;
      reject(
        Object.assign(
          new Error(`enrolment.port: 127.0.0.1:${String(config.port ?? 0)} ${problem}`, {
            cause: error,
          }),
          { code: error.code },
        ),
      );
    });
    server.listen(config.port ?? 0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  state.hosts.add(`127.0.0.1:${String(port)}`);
  state.hosts.add(`localhost:${String(port)}`);
  return {
    url: `http://127.0.0.1:${String(port)}`,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** State of the endpoint across requests. */
interface EnrolmentState {
  readonly config: EnrolmentConfig;
  /** Unused codes by address of record. */
  readonly codes: Map<string, string>;
  /** Codes spent so far, also in earlier runs. */
  readonly spent: SpentCodes;
  /** Wrong codes and lockouts of each user who presented a wrong code, by address of record. */
  readonly attempts: Map<string, WrongCodes>;
  /** Host header values of the loopback address and port that the endpoint listens on. */
  readonly hosts: Set<string>;
  readonly logger: Logger;
  readonly now: () => number;
}

/** The wrong codes that one user's code got. */
interface WrongCodes {
  /** Wrong codes in a row since the last lockout. */
  count: number;
  /** Lockouts so far, which doubles the next one. */
  lockouts: number;
  /** Time in ms until which the code is locked, 0 when it is not. */
  lockedUntil: number;
}

/** A rejection of a request before its body is read. */
interface Rejection {
  readonly status: number;
  readonly code: EnrolmentErrorCode;
  readonly message: string;
}

async function handle(
  request: IncomingMessage,
  response: ServerResponse,
  state: EnrolmentState,
): Promise<void> {
  const { config, codes, logger } = state;
  const rejection = requestProblem(request, state.hosts);
  if (rejection !== undefined) {
    logger.warn(
      { status: rejection.status, errorCode: rejection.code },
      'enrolment request rejected',
    );
    replyError(response, rejection.status, rejection.code, rejection.message);
    return;
  }

  const body = await readJson(request);
  if (body === TOO_LARGE) {
    const message = `request body larger than ${String(MAX_REQUEST_BYTES)} bytes`;
    replyError(response, 413, 'ERR_ENROL_BODY_TOO_LARGE', message);
    return;
  }
  const uri = typeof body?.uri === 'string' ? addressOfRecord(body.uri) : undefined;
  const code = typeof body?.code === 'string' ? body.code : undefined;
  const csr = typeof body?.csr === 'string' ? body.csr : undefined;
  if (uri === undefined || code === undefined || csr === undefined) {
    const message = 'invalid request: uri, code and csr are required strings';
    replyError(response, 400, 'ERR_ENROL_INVALID_REQUEST', message);
    return;
  }

  const expected = codes.get(uri);
  const lockedFor = expected === undefined ? 0 : lockedTime(state, uri);
  if (lockedFor > 0) {
    // Not compared while locked, so that a locked code cannot be guessed either.
    const seconds = Math.ceil(lockedFor / 1000);
    logger.warn({ uri }, 'enrolment rejected: code locked after repeated wrong codes');
    response.setHeader('Retry-After', String(seconds));
    const message = `too many wrong codes: try again in ${String(seconds)} s`;
    replyError(response, 429, 'ERR_ENROL_LOCKED', message);
    return;
  }
  if (expected === undefined || !sameSecret(code, expected)) {
    if (expected !== undefined) countWrongCode(state, uri);
    logger.warn({ uri }, 'enrolment rejected: unknown user or wrong code');
    replyError(response, 403, 'ERR_ENROL_REJECTED', 'unknown user or wrong code');
    return;
  }

  // The code is spent before any await, so that two concurrent requests cannot both use it, and
  // written to the file before the certificate is issued, so that a restart cannot revive it.
  codes.delete(uri);
  try {
    await state.spent.add(uri, expected);
  } catch (error) {
    codes.set(uri, expected);
    logger.error({ uri, err: error }, 'enrolment failed: spent code not saved');
    replyError(response, 500, 'ERR_ENROL_FAILED', 'enrolment failed: try again later');
    return;
  }
  let certificate: string;
  try {
    certificate = await issueCertificate({
      csrPem: csr,
      uri,
      caCertificateFile: config.caCertificate,
      caKeyFile: config.caKey,
      days: config.validityDays ?? 30,
    });
  } catch (error) {
    // The code was not used up, so it works again, also after a restart.
    codes.set(uri, expected);
    await state.spent.remove(uri, expected).catch((removal: unknown) => {
      logger.error({ uri, err: removal }, 'removing a spent code from the file failed');
    });
    const unsupported = error instanceof UnsupportedKeyError;
    const reason = unsupported ? error.message : 'invalid certificate request';
    logger.warn({ uri, reason }, 'enrolment rejected: certificate request not usable');
    const code = unsupported ? 'ERR_ENROL_UNSUPPORTED_KEY' : 'ERR_ENROL_INVALID_REQUEST';
    replyError(response, 400, code, reason);
    return;
  }

  state.attempts.delete(uri);
  logger.info({ uri }, 'certificate issued');
  reply(response, 200, {
    certificate,
    caCertificate: await readFile(config.caCertificate, 'utf8'),
  });
}

/**
 * Returns why a request cannot be served before its body is read, or undefined. The endpoint
 * sends no CORS headers and rejects every request that a web page could send. Browsers add an
 * Origin header to every POST, and a page that rebinds its DNS name to 127.0.0.1 sends its own
 * name as Host. A page can send a body other than JSON without a preflight. The demo app reaches
 * the endpoint through its dev server's proxy, which sends no Origin header.
 */
function requestProblem(
  request: IncomingMessage,
  hosts: ReadonlySet<string>,
): Rejection | undefined {
  if (request.method !== 'POST' || request.url !== '/enrol') {
    return { status: 404, code: 'ERR_ENROL_NOT_FOUND', message: 'not found: POST /enrol' };
  }
  if (request.headers.origin !== undefined) {
    const message =
      'requests from web pages are not accepted: send the request from the app server';
    return { status: 403, code: 'ERR_ENROL_ORIGIN', message };
  }
  if (!hosts.has((request.headers.host ?? '').toLowerCase())) {
    const message = `invalid Host header: expected ${[...hosts].join(' or ')}`;
    return { status: 403, code: 'ERR_ENROL_HOST', message };
  }
  const mediaType = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (mediaType !== 'application/json') {
    const message = 'unsupported Content-Type: expected application/json';
    return { status: 415, code: 'ERR_ENROL_CONTENT_TYPE', message };
  }
  return undefined;
}

/** Returns how many ms the code of `uri` stays locked, 0 when it is not locked. */
function lockedTime(state: EnrolmentState, uri: string): number {
  const attempts = state.attempts.get(uri);
  return attempts === undefined ? 0 : Math.max(0, attempts.lockedUntil - state.now());
}

/**
 * Counts a wrong code for a user who has one, and locks that code at {@link MAX_WRONG_CODES} in a
 * row, for {@link LOCKOUT_MS} doubled by each earlier lockout, at most {@link MAX_LOCKOUT_MS}.
 */
function countWrongCode(state: EnrolmentState, uri: string): void {
  const attempts = state.attempts.get(uri) ?? { count: 0, lockouts: 0, lockedUntil: 0 };
  state.attempts.set(uri, attempts);
  attempts.count += 1;
  if (attempts.count < MAX_WRONG_CODES) return;
  const duration = Math.min(LOCKOUT_MS * 2 ** attempts.lockouts, MAX_LOCKOUT_MS);
  attempts.count = 0;
  attempts.lockouts += 1;
  attempts.lockedUntil = state.now() + duration;
  state.logger.warn(
    { uri, wrongCodes: MAX_WRONG_CODES, lockedMs: duration },
    'enrolment code locked after repeated wrong codes',
  );
}

// Compares digests, so that the comparison takes the same time whatever the lengths.
function sameSecret(presented: string, expected: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();
  return timingSafeEqual(digest(presented), digest(expected));
}

/** Result of {@link readJson} for a body over {@link MAX_REQUEST_BYTES}. */
const TOO_LARGE = Symbol('too large');

/**
 * Reads a JSON object from the request body. Returns undefined for anything else, and
 * {@link TOO_LARGE} once the body passes {@link MAX_REQUEST_BYTES}.
 */
async function readJson(
  request: IncomingMessage,
): Promise<Record<string, unknown> | undefined | typeof TOO_LARGE> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_REQUEST_BYTES) {
      return TOO_LARGE;
    }
    chunks.push(chunk as Buffer);
  }
  try {
    const value: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    return typeof value === 'object' && value !== null
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function replyError(
  response: ServerResponse,
  status: number,
  code: EnrolmentErrorCode,
  message: string,
): void {
  reply(response, status, { error: message, code });
}

function reply(response: ServerResponse, status: number, body: object): void {
  response.statusCode = status;
  response.setHeader('Content-Type', 'application/json');
  response.end(JSON.stringify(body));
}

/**
 * The spent codes of the endpoint and their file: an object of arrays of code digests by address
 * of record, written whole through a temporary file with mode 0600, one write at a time.
 */
class SpentCodes {
  readonly #path: string;
  /** The digests of each user's spent codes, by address of record. */
  readonly #digests = new Map<string, Set<string>>();
  #queue: Promise<void> = Promise.resolve();

  constructor(path: string) {
    this.#path = path;
  }

  /** Reads the file. A missing file means that no code was spent, and an unusable one raises. */
  async load(): Promise<void> {
    const text = await readFileWithin(this.#path, MAX_SPENT_CODES_BYTES);
    if (text === undefined) return;
    const value = parseJsonFile(text, this.#path);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new TypeError(`${this.#path} must contain an object of code digests`);
    }
    for (const [uri, digests] of Object.entries(value)) {
      // Skipping an entry would make its spent codes usable again, so an odd one stops the start.
      if (!Array.isArray(digests) || !digests.every((digest) => typeof digest === 'string')) {
        throw new TypeError(`${this.#path}: the digests of ${uri} must be a list of strings`);
      }
      if (digests.length > 0) this.#digests.set(uri, new Set(digests));
    }
  }

  /** True when `code` is a code of `uri` that was spent. */
  has(uri: string, code: string): boolean {
    return this.#digests.get(uri)?.has(codeDigest(uri, code)) ?? false;
  }

  /**
   * Records the code of `uri` as spent, and resolves once the file is written. A failed write
   * removes the digest again, so that a later write of another code does not save it as spent.
   */
  add(uri: string, code: string): Promise<void> {
    const digest = codeDigest(uri, code);
    let own = this.#digests.get(uri);
    if (own === undefined) {
      own = new Set();
      this.#digests.set(uri, own);
    }
    own.add(digest);
    return this.#write(() => this.#delete(uri, digest));
  }

  /** Removes `code` from the spent codes of `uri`, and resolves once the file is written. */
  remove(uri: string, code: string): Promise<void> {
    this.#delete(uri, codeDigest(uri, code));
    return this.#write();
  }

  #delete(uri: string, digest: string): void {
    const own = this.#digests.get(uri);
    own?.delete(digest);
    if (own?.size === 0) this.#digests.delete(uri);
  }

  /**
   * Writes the digests as they are when the write starts, through {@link replaceFile}. `undo`
   * runs when the write fails, before the next queued write reads the digests.
   */
  #write(undo?: () => void): Promise<void> {
    const write = async () => {
      try {
        const lists = [...this.#digests].map(([uri, own]) => [uri, [...own]]);
        await replaceFile(this.#path, `${JSON.stringify(Object.fromEntries(lists))}\n`);
      } catch (error) {
        undo?.();
        throw error;
      }
    };
    const written = this.#queue.then(write);
    this.#queue = written.catch(() => undefined);
    return written;
  }
}

/** Returns the digest under which a spent code is kept: a code alone never leaves the process. */
function codeDigest(uri: string, code: string): string {
  return createHash('sha256').update(`${uri}\n${code}`, 'utf8').digest('base64');
}
