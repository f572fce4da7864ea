/**
 * The server's configuration file (JSON): its SIP identity and key files, the users, the groups
 * and the demo enrolment. Relative paths are resolved from the folder of the file.
 *
 * ```json
 * {
 *   "serverUri": "sip:mcptt-server@mcptt.example",
 *   "identity": { "key": "pki/server.key.pem", "certificate": "pki/server.cert.pem",
 *                 "trustAnchors": ["pki/ca.cert.pem"], "revocationLists": ["pki/ca.crl.pem"] },
 *   "peerCertificates": "pki",
 *   "users": [{ "uri": "sip:alice@mcptt.example", "displayName": "Alice" }],
 *   "groups": [{ "id": "sip:fire-1@mcptt.example", "displayName": "Fire crew 1",
 *                "members": ["sip:alice@mcptt.example"] }],
 *   "enrolment": { "caKey": "pki/ca.key.pem", "caCertificate": "pki/ca.cert.pem",
 *                  "codes": { "sip:alice@mcptt.example": "4F7K-9Q2M" } },
 *   "stateFile": "registry-state.json"
 * }
 * ```
 *
 * @module
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { addressOfRecord, type RevocationMode } from '@mcptt-smime/smime';
import type { CoreCredentials } from './core-digest.js';
import { isCertifiableUri } from './openssl-ca.js';
import { parseJsonFile } from './state-file.js';

/** A configured MCPTT user. */
export interface UserConfig {
  /** MCPTT ID: the user's SIP URI, also the subjectAltName of the user's certificate. */
  readonly uri: string;
  readonly displayName?: string;
  /**
   * True for a user, such as a dispatcher, who may end the emergency state of any group call
   * that the user takes part in. Without it, only the participant who started the emergency may
   * end it.
   */
  readonly mayCancelEmergencies?: boolean;
}

/** A configured MCPTT group. */
export interface GroupConfig {
  /** MCPTT group ID (a SIP URI). */
  readonly id: string;
  readonly displayName: string;
  /** MCPTT IDs of the members. */
  readonly members: readonly string[];
}

/** Files of the server's own identity. */
export interface IdentityConfig {
  /** PEM PKCS#8 private key. */
  readonly key: string;
  /** PEM certificate, followed by intermediates if any. */
  readonly certificate: string;
  /** PEM files of the certificates that signer chains must reach. */
  readonly trustAnchors: readonly string[];
  /**
   * Files of certificate revocation lists (X.509 v2 CRLs, PEM `X509 CRL` blocks or one DER
   * list each), read at start. Every signer path is checked against them, and a request whose
   * path contains a revoked certificate gets 403. The server neither fetches lists nor queries
   * OCSP: `McpttServer.reloadRevocationLists()` reads the files again, so that newer lists can
   * replace the old ones while the server runs.
   */
  readonly revocationLists?: readonly string[];
  /**
   * `if-available` (the default) rejects the certificates that the lists revoke. `require` also
   * rejects, with 403, a client certificate that no list with a nextUpdate still ahead covers,
   * so every request fails once the lists of the files pass their nextUpdate.
   */
  readonly revocation?: RevocationMode;
}

/** The demo enrolment endpoint. */
export interface EnrolmentConfig {
  /** PEM certificate and PKCS#8 key of the issuing CA. */
  readonly caCertificate: string;
  readonly caKey: string;
  /**
   * One-time codes by user URI. Each code works once, names a configured user, and has at least
   * {@link MIN_ENROLMENT_CODE_LENGTH} characters.
   */
  readonly codes: Readonly<Record<string, string>>;
  /** Loopback port, default 0 (a free port). */
  readonly port?: number;
  /** Validity of issued certificates in days, 1 to {@link MAX_VALIDITY_DAYS}, default 30. */
  readonly validityDays?: number;
}

/** Shortest accepted enrolment code, as long as the demo's `XXXX-XXXX` without its hyphen. */
export const MIN_ENROLMENT_CODE_LENGTH = 8;

/** Longest accepted validity of issued certificates in days, about ten years. */
export const MAX_VALIDITY_DAYS = 3650;

/** The whole configuration, paths resolved. */
export interface ServerConfig {
  readonly serverUri: string;
  readonly identity: IdentityConfig;
  /** Folder of `*.cert.pem` files of users, each with any intermediate CAs after it, read at start. */
  readonly peerCertificates?: string;
  readonly users: readonly UserConfig[];
  readonly groups: readonly GroupConfig[];
  readonly enrolment?: EnrolmentConfig;
  /**
   * INSECURE, for measurement only, default false: calls and short data go unsigned and in clear
   * (see `plain-calls.ts`), so that a benchmark can compare set-up times with protection off.
   */
  readonly insecurePlainCalls?: boolean;
  /** Limits of every call's floor arbitrator. A missing one keeps its default. */
  readonly floor?: FloorConfig;
  /**
   * File in which the server keeps the users' service authorisations, affiliations and
   * certificates across restarts, written after each change with mode 0600. Without it a
   * restarted server rejects every user's calls and short data with 403, and invites no user
   * to group calls, until each user publishes again. The requests that the replay guard
   * remembers go to the same path with `.replay` added, so that a restart does not let the SIP
   * core send them again.
   */
  readonly stateFile?: string;
  /**
   * Digest credentials that the server sends when the SIP core challenges its REGISTER with 401
   * or 407 (RFC 3261 §22). The user name defaults to the user part of `serverUri`.
   */
  readonly coreCredentials?: CoreCredentials;
}

/** Floor control limits (TS 24.380), as the floor arbitrator takes them. */
export interface FloorConfig {
  /** Maximum talk time in ms before Floor Revoke, 0 for no limit, 30000 by default. */
  readonly maxTalkTimeMs?: number;
  /** Number of requests that can wait, 8 by default. With 0, a request for a busy floor is denied. */
  readonly queueCapacity?: number;
}

/**
 * The fields that an object of type `T` may have. A record over `keyof T`, so that a field added
 * to one of the interfaces above does not compile until it is added here too.
 */
type KnownFields<T> = Readonly<Record<keyof T, true>>;

const ROOT_FIELDS: KnownFields<ServerConfig> = {
  serverUri: true,
  identity: true,
  peerCertificates: true,
  users: true,
  groups: true,
  enrolment: true,
  insecurePlainCalls: true,
  floor: true,
  stateFile: true,
  coreCredentials: true,
};

const CORE_CREDENTIAL_FIELDS: KnownFields<CoreCredentials> = { username: true, password: true };

const IDENTITY_FIELDS: KnownFields<IdentityConfig> = {
  key: true,
  certificate: true,
  trustAnchors: true,
  revocationLists: true,
  revocation: true,
};

const USER_FIELDS: KnownFields<UserConfig> = {
  uri: true,
  displayName: true,
  mayCancelEmergencies: true,
};

const GROUP_FIELDS: KnownFields<GroupConfig> = { id: true, displayName: true, members: true };

const ENROLMENT_FIELDS: KnownFields<EnrolmentConfig> = {
  caCertificate: true,
  caKey: true,
  codes: true,
  port: true,
  validityDays: true,
};

const FLOOR_FIELDS: KnownFields<FloorConfig> = { maxTalkTimeMs: true, queueCapacity: true };

/**
 * Reads and checks a configuration file. Raises TypeError naming the first invalid field.
 *
 * @param path - Path of the JSON file; relative paths inside it are resolved against its folder.
 * @returns The checked configuration.
 * @throws The error of reading the file, such as ENOENT, a SyntaxError naming the file for
 *   invalid JSON (without quoting it, as it may hold enrolment codes), or a TypeError naming the
 *   first invalid field.
 */
export async function loadConfig(path: string): Promise<ServerConfig> {
  const raw = parseJsonFile(await readFile(path, 'utf8'), path);
  return parseConfig(raw, dirname(path));
}

/**
 * Checks a parsed configuration and resolves its paths against `baseDir`.
 *
 * @param raw - The parsed JSON value.
 * @param baseDir - The folder against which relative paths are resolved.
 * @returns The checked configuration.
 * @throws TypeError naming the first invalid field.
 */
export function parseConfig(raw: unknown, baseDir: string): ServerConfig {
  const root = asObject(raw, 'configuration', ROOT_FIELDS);
  const identity = asObject(root.identity, 'identity', IDENTITY_FIELDS);
  const users = parseUsers(root.users);
  const userAddresses = new Set(users.map((user) => addressOfRecord(user.uri)));
  const serverUri = asSipUri(root.serverUri, 'serverUri');
  const groups = asArray(root.groups, 'groups').map((entry, i) =>
    parseGroup(entry, `groups[${String(i)}]`, userAddresses),
  );
  checkGroupIds(groups, userAddresses, addressOfRecord(serverUri));
  const path = (value: unknown, field: string) => resolve(baseDir, asString(value, field));

  return {
    serverUri,
    identity: parseIdentity(identity, path),
    ...(root.peerCertificates === undefined
      ? {}
      : { peerCertificates: path(root.peerCertificates, 'peerCertificates') }),
    users,
    groups,
    ...(root.enrolment === undefined
      ? {}
      : { enrolment: parseEnrolment(root.enrolment, path, enrolmentUsers(root, userAddresses)) }),
    ...(root.insecurePlainCalls === undefined
      ? {}
      : { insecurePlainCalls: asBoolean(root.insecurePlainCalls, 'insecurePlainCalls') }),
    ...(root.floor === undefined ? {} : { floor: parseFloor(root.floor) }),
    ...(root.stateFile === undefined ? {} : { stateFile: path(root.stateFile, 'stateFile') }),
    ...(root.coreCredentials === undefined
      ? {}
      : { coreCredentials: parseCoreCredentials(root.coreCredentials) }),
  };
}

function parseCoreCredentials(raw: unknown): CoreCredentials {
  const credentials = asObject(raw, 'coreCredentials', CORE_CREDENTIAL_FIELDS);
  const password = asString(credentials.password, 'coreCredentials.password');
  if (password === '') throw new TypeError('coreCredentials.password: expected a non-empty string');
  if (credentials.username === undefined) return { password };
  const username = asString(credentials.username, 'coreCredentials.username');
  if (username === '') throw new TypeError('coreCredentials.username: expected a non-empty string');
  return { username, password };
}

function parseIdentity(
  identity: Record<string, unknown>,
  path: (value: unknown, field: string) => string,
): IdentityConfig {
  const { revocation } = identity;
  if (revocation !== undefined && revocation !== 'if-available' && revocation !== 'require') {
    throw new TypeError("identity.revocation: expected 'if-available' or 'require'");
  }
  const trustAnchors = asArray(identity.trustAnchors, 'identity.trustAnchors');
  if (trustAnchors.length === 0) {
    // No signature could chain to an anchor, so every signed request would get 403.
    throw new TypeError(
      'identity.trustAnchors: expected at least one file, such as the PEM certificate of the CA ' +
        "that issues the users' certificates",
    );
  }
  const revocationLists =
    identity.revocationLists === undefined
      ? undefined
      : asArray(identity.revocationLists, 'identity.revocationLists');
  if (revocation === 'require' && (revocationLists ?? []).length === 0) {
    // No list would cover any certificate, so every signed request would get 403.
    throw new TypeError(
      "identity.revocation: 'require' needs at least one file in identity.revocationLists, " +
        "because it rejects every client that no list covers. Add the CA's CRL files or set " +
        "'if-available'",
    );
  }

  return {
    key: path(identity.key, 'identity.key'),
    certificate: path(identity.certificate, 'identity.certificate'),
    trustAnchors: trustAnchors.map((value, i) =>
      path(value, `identity.trustAnchors[${String(i)}]`),
    ),
    ...(revocationLists === undefined
      ? {}
      : {
          revocationLists: revocationLists.map((value, i) =>
            path(value, `identity.revocationLists[${String(i)}]`),
          ),
        }),
    ...(revocation === undefined ? {} : { revocation }),
  };
}

function parseFloor(raw: unknown): FloorConfig {
  const floor = asObject(raw, 'floor', FLOOR_FIELDS);
  return {
    ...(floor.maxTalkTimeMs === undefined
      ? {}
      : { maxTalkTimeMs: asNumber(floor.maxTalkTimeMs, 'floor.maxTalkTimeMs') }),
    ...(floor.queueCapacity === undefined
      ? {}
      : { queueCapacity: asNumber(floor.queueCapacity, 'floor.queueCapacity') }),
  };
}

/**
 * Checks the users, and rejects two entries with one address-of-record, because the registry
 * keys its users by address-of-record and one entry would hide the other.
 */
function parseUsers(raw: unknown): UserConfig[] {
  const users = asArray(raw, 'users').map((entry, i) => parseUser(entry, `users[${String(i)}]`));
  const firstIndex = new Map<string, number>();
  users.forEach((user, i) => {
    const address = addressOfRecord(user.uri);
    const first = firstIndex.get(address);
    if (first !== undefined) {
      throw new TypeError(
        `users[${String(i)}]: ${user.uri} names the same user as users[${String(first)}] ` +
          `(address-of-record ${address}). Keep one of the two entries`,
      );
    }
    firstIndex.set(address, i);
  });
  return users;
}

function parseUser(raw: unknown, field: string): UserConfig {
  const user = asObject(raw, field, USER_FIELDS);
  return {
    uri: asSipUri(user.uri, `${field}.uri`),
    ...(user.displayName === undefined
      ? {}
      : { displayName: asString(user.displayName, `${field}.displayName`) }),
    ...(user.mayCancelEmergencies === undefined
      ? {}
      : {
          mayCancelEmergencies: asBoolean(
            user.mayCancelEmergencies,
            `${field}.mayCancelEmergencies`,
          ),
        }),
  };
}

/**
 * Checks a group. Each member must name a configured user, compared by address-of-record as the
 * registry compares them, and only once, because a group call invites each member listed.
 */
function parseGroup(raw: unknown, field: string, users: ReadonlySet<string>): GroupConfig {
  const group = asObject(raw, field, GROUP_FIELDS);
  const members = asArray(group.members, `${field}.members`).map((value, i) =>
    asSipUri(value, `${field}.members[${String(i)}]`),
  );
  const addresses = members.map(addressOfRecord);
  const unknown = members.find((_member, i) => !users.has(addresses[i] as string));
  if (unknown !== undefined) {
    throw new TypeError(`${field}.members: ${unknown} is not a configured user`);
  }
  addresses.forEach((address, i) => {
    const first = addresses.indexOf(address);
    if (first !== i) {
      throw new TypeError(
        `${field}.members[${String(i)}]: ${String(members[i])} is the same user as ` +
          `members[${String(first)}]. Keep one of the two entries`,
      );
    }
  });
  return {
    id: asSipUri(group.id, `${field}.id`),
    displayName: asString(group.displayName, `${field}.displayName`),
    members,
  };
}

/**
 * Raises TypeError for a group ID whose address-of-record is another group's, a user's or the
 * server's. The registry finds groups by address-of-record, so such a group would hide the other
 * group, or turn requests to the user into group requests.
 */
function checkGroupIds(
  groups: readonly GroupConfig[],
  users: ReadonlySet<string>,
  server: string,
): void {
  const firstIndex = new Map<string, number>();
  groups.forEach((group, i) => {
    const field = `groups[${String(i)}].id`;
    const address = addressOfRecord(group.id);
    const first = firstIndex.get(address);
    if (first !== undefined) {
      throw new TypeError(
        `${field}: ${group.id} names the same group as groups[${String(first)}] ` +
          `(address-of-record ${address}). Give each group its own URI`,
      );
    }
    if (users.has(address) || address === server) {
      const owner = address === server ? 'the server' : 'a configured user';
      throw new TypeError(
        `${field}: ${group.id} is also the address-of-record of ${owner}. ` +
          'Give the group its own URI',
      );
    }
    firstIndex.set(address, i);
  });
}

function parseEnrolment(
  raw: unknown,
  path: (value: unknown, field: string) => string,
  users: ReadonlySet<string>,
): EnrolmentConfig {
  const enrolment = asObject(raw, 'enrolment', ENROLMENT_FIELDS);
  const { port, validityDays } = enrolment;
  return {
    caCertificate: path(enrolment.caCertificate, 'enrolment.caCertificate'),
    caKey: path(enrolment.caKey, 'enrolment.caKey'),
    codes: parseEnrolmentCodes(enrolment.codes, users),
    ...(port === undefined ? {} : { port: asNumber(port, 'enrolment.port', 65_535) }),
    ...(validityDays === undefined
      ? {}
      : { validityDays: asDays(validityDays, 'enrolment.validityDays') }),
  };
}

/**
 * Returns the addresses of record that may get a code: those of the users, without the server's.
 */
function enrolmentUsers(root: Record<string, unknown>, users: ReadonlySet<string>): Set<string> {
  const server = addressOfRecord(asSipUri(root.serverUri, 'serverUri'));
  const addresses = new Set(users);
  addresses.delete(server);
  return addresses;
}

/**
 * Checks the enrolment codes. A code may name only a configured user, once, by a URI that the CA
 * can certify. A code for the server's URI or a group's ID would let its holder get a certificate
 * in that name, which clients trust as they trust the CA.
 */
function parseEnrolmentCodes(raw: unknown, users: ReadonlySet<string>): Record<string, string> {
  const codes = asObject(raw, 'enrolment.codes');
  const seen = new Set<string>();
  const checked: Record<string, string> = {};
  for (const [uri, code] of Object.entries(codes)) {
    const field = `enrolment.codes[${uri}]`;
    const address = addressOfRecord(asSipUri(uri, 'enrolment.codes'));
    if (!users.has(address)) {
      throw new TypeError(`${field}: ${uri} is not a configured user other than the server`);
    }
    if (seen.has(address)) {
      throw new TypeError(`${field}: a code for ${address} is already configured`);
    }
    if (!isCertifiableUri(address)) {
      const rule = 'letters, digits and ._~+- only, with no port or parameters';
      throw new TypeError(`${field}: the CA cannot certify ${address} (${rule})`);
    }
    seen.add(address);
    const text = asString(code, field);
    if (text.length < MIN_ENROLMENT_CODE_LENGTH) {
      const length = String(MIN_ENROLMENT_CODE_LENGTH);
      throw new TypeError(`${field}: expected a code of at least ${length} characters`);
    }
    checked[uri] = text;
  }
  return checked;
}

function asDays(value: unknown, field: string): number {
  const valid =
    typeof value === 'number' &&
    Number.isInteger(value) &&
    value >= 1 &&
    value <= MAX_VALIDITY_DAYS;
  if (!valid) {
    throw new TypeError(`${field}: expected 1 to ${String(MAX_VALIDITY_DAYS)} days`);
  }
  return value;
}

/** Checks that `value` is an object and, with `known`, that it has no other fields. */
function asObject(
  value: unknown,
  field: string,
  known?: Readonly<Record<string, true>>,
): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError(`${field}: expected an object`);
  }
  const object = value as Record<string, unknown>;
  if (known !== undefined) {
    rejectUnknownFields(object, field, known);
  }
  return object;
}

/**
 * Raises TypeError naming the first field of `object` that `known` does not list, because a
 * misspelt optional field, such as `revocationList`, would otherwise turn a check off silently.
 */
function rejectUnknownFields(
  object: Record<string, unknown>,
  field: string,
  known: Readonly<Record<string, true>>,
): void {
  const unknown = Object.keys(object).find((key) => !Object.hasOwn(known, key));
  if (unknown === undefined) {
    return;
  }
  // The root's fields are named alone, as `stateFile`, not as `configuration.stateFile`.
  const path = field === 'configuration' ? unknown : `${field}.${unknown}`;
  const expected = Object.keys(known).join(', ');
  throw new TypeError(`${path} is not a known field. Check its spelling (expected: ${expected})`);
}

function asArray(value: unknown, field: string): unknown[] {
  if (!Array.isArray(value)) {
    throw new TypeError(`${field}: expected an array`);
  }
  return value;
}

function asString(value: unknown, field: string): string {
  if (typeof value !== 'string' || value === '') {
    throw new TypeError(`${field}: expected a non-empty string`);
  }
  return value;
}

function asBoolean(value: unknown, field: string): boolean {
  if (typeof value !== 'boolean') {
    throw new TypeError(`${field}: expected true or false`);
  }
  return value;
}

function asNumber(value: unknown, field: string, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > max) {
    const range =
      max === Number.MAX_SAFE_INTEGER ? 'a non-negative integer' : `0 to ${String(max)}`;
    throw new TypeError(`${field}: expected ${range}`);
  }
  return value;
}

function asSipUri(value: unknown, field: string): string {
  const text = asString(value, field);
  if (!/^sips?:[^@\s]+@[^\s;?]+$/.test(text)) {
    throw new TypeError(`${field}: expected a SIP URI such as sip:alice@example.com, got ${text}`);
  }
  return text;
}
