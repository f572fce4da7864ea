/**
 * What the server knows about its users at run time: who is authorised, to which groups each is
 * affiliated, and the certificate of each, learned from verified signatures.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import { addressOfRecord, base64Decode, base64Encode, bytesEqual } from '@mcptt-smime/smime';
import type { GroupConfig, ServerConfig, UserConfig } from './config.js';

/** A user's certificate and the other certificates that its latest verified signature carried. */
export interface StoredCertificate {
  readonly certificate: Uint8Array;
  /** Intermediate CA certificates that may complete its path to a trust anchor. */
  readonly intermediates: readonly Uint8Array[];
}

/** The state that a publication changes: the service authorisation or the affiliations. */
export type PublicationKind = 'authorisation' | 'affiliation';

/**
 * The run-time state of a {@link Registry} as JSON, so that a restarted server keeps it: each
 * user's authorisation and affiliations with their lapse times in ms since the epoch, its
 * certificate and intermediates in base64, and the signingTime of its latest publications.
 */
export interface RegistrySnapshot {
  readonly version: typeof SNAPSHOT_VERSION;
  readonly users: readonly UserSnapshot[];
}

/** One user's entry of a {@link RegistrySnapshot}. */
export interface UserSnapshot {
  readonly uri: string;
  readonly authorisedUntil?: number;
  readonly affiliation?: { readonly groups: readonly string[]; readonly until: number };
  readonly certificate?: string;
  readonly intermediates?: readonly string[];
  /**
   * SHA-256 digest, in base64, of the user's certificate from `peerCertificates` when the
   * snapshot was made. A restart that finds another certificate there keeps that one in place of
   * `certificate`, and one that finds none drops a `certificate` that was the configured one.
   * Null when the user had none, so that a restart that finds one there keeps that one too.
   */
  readonly configuredSha256?: string | null;
  readonly published?: { readonly authorisation?: number; readonly affiliation?: number };
}

/**
 * Longest lifetime in seconds of a service authorisation or an affiliation: a PUBLISH that
 * requests more gets this, and a restored one lasts no longer from the start.
 */
export const MAX_LIFETIME_SECONDS = 3600;

/** Version of the {@link RegistrySnapshot} format. */
export const SNAPSHOT_VERSION = 1;

/** Users, groups, authorisations, affiliations and certificates. */
export class Registry {
  readonly #users = new Map<string, UserConfig>();
  readonly #groups = new Map<string, GroupConfig>();
  readonly #authorised = new Map<string, number>();
  /** Affiliated group IDs of each user, and the time in ms at which the affiliation lapses. */
  readonly #affiliations = new Map<
    string,
    { readonly groups: Set<string>; readonly until: number }
  >();
  /** Each user's certificate, with the intermediate CA certificates that its signature carried. */
  readonly #certificates = new Map<string, StoredCertificate>();
  /** Each user's certificate from the `peerCertificates` file, read at start. */
  readonly #configured = new Map<string, StoredCertificate>();
  /** The signingTime in ms of the latest publication applied, by user and kind. */
  readonly #lastPublished = new Map<string, number>();
  readonly #now: () => number;
  /** Called after each change of the run-time state, such as to write it to a file. */
  onChange: (() => void) | undefined;

  constructor(config: ServerConfig, now: () => number = Date.now) {
    for (const user of config.users) {
      this.#users.set(addressOfRecord(user.uri), user);
    }
    for (const group of config.groups) {
      this.#groups.set(addressOfRecord(group.id), group);
    }
    this.#now = now;
  }

  /** Returns the configured user of a URI, compared as an address-of-record. */
  user(uri: string): UserConfig | undefined {
    return this.#users.get(addressOfRecord(uri));
  }

  /** Returns the configured group of a group ID. */
  group(id: string): GroupConfig | undefined {
    return this.#groups.get(addressOfRecord(id));
  }

  /** True when `uri` is a member of `group`. */
  isMember(group: GroupConfig, uri: string): boolean {
    const aor = addressOfRecord(uri);
    return group.members.some((member) => addressOfRecord(member) === aor);
  }

  /** Records a service authorisation for `seconds`; 0 withdraws it. */
  authorise(uri: string, seconds: number): void {
    const aor = addressOfRecord(uri);
    if (seconds <= 0) {
      this.#authorised.delete(aor);
      this.#affiliations.delete(aor);
    } else {
      this.#authorised.set(aor, this.#now() + seconds * 1000);
    }
    this.onChange?.();
  }

  /**
   * Records that a publication of `uri` signed at `signedAt` (ms) is applied, and returns false,
   * recording nothing, when one of the same kind signed later was applied before. The core may
   * hold a publication back and deliver it after a newer one, and applying it would undo the
   * newer one: a user's leave or withdrawal, for instance. A withdrawal of the authorisation also
   * withdraws the affiliations, so it counts as an affiliation publication too.
   */
  applyPublication(
    uri: string,
    kind: PublicationKind,
    signedAt: number,
    withdraws: boolean,
  ): boolean {
    const aor = addressOfRecord(uri);
    const kinds: PublicationKind[] =
      kind === 'authorisation' && withdraws ? ['authorisation', 'affiliation'] : [kind];
    if (signedAt < (this.#lastPublished.get(`${kind} ${aor}`) ?? -Infinity)) return false;
    for (const ordered of kinds) {
      const key = `${ordered} ${aor}`;
      this.#lastPublished.set(key, Math.max(signedAt, this.#lastPublished.get(key) ?? signedAt));
    }
    this.onChange?.();
    return true;
  }

  /** True while a service authorisation of `uri` is valid. */
  isAuthorised(uri: string): boolean {
    return (this.#authorised.get(addressOfRecord(uri)) ?? 0) > this.#now();
  }

  /**
   * Replaces the affiliations of `uri` for `seconds` (RFC 3903: a publication lapses unless it is
   * refreshed) and returns the groups accepted, those it is a member of. 0 seconds withdraws them.
   */
  affiliate(uri: string, groupIds: readonly string[], seconds: number): string[] {
    const aor = addressOfRecord(uri);
    if (seconds <= 0) {
      this.#affiliations.delete(aor);
      this.onChange?.();
      return [];
    }
    const accepted = this.#memberGroups(uri, groupIds);
    this.#affiliations.set(aor, { groups: new Set(accepted), until: this.#now() + seconds * 1000 });
    this.onChange?.();
    return accepted;
  }

  /** Returns the IDs of the groups to which `uri` has a valid affiliation now. */
  affiliatedGroupIds(uri: string): Set<string> {
    const affiliation = this.#affiliations.get(addressOfRecord(uri));
    if (affiliation === undefined || affiliation.until <= this.#now()) return new Set();
    return new Set(affiliation.groups);
  }

  /** True while an affiliation of `uri` to the group is valid. */
  isAffiliated(uri: string, group: GroupConfig): boolean {
    const affiliation = this.#affiliations.get(addressOfRecord(uri));
    return (
      affiliation !== undefined &&
      affiliation.until > this.#now() &&
      affiliation.groups.has(group.id)
    );
  }

  /**
   * Stores the certificate of a user, from a verified signature or a configured file, with the
   * intermediate CA certificates that the signature carried. Storing the same certificates again
   * is no change, so that the signed requests of a known user do not each rewrite the state file.
   */
  setCertificate(
    uri: string,
    certificate: Uint8Array,
    intermediates: readonly Uint8Array[] = [],
  ): void {
    const aor = addressOfRecord(uri);
    const stored = this.#certificates.get(aor);
    if (
      stored !== undefined &&
      bytesEqual(stored.certificate, certificate) &&
      stored.intermediates.length === intermediates.length &&
      stored.intermediates.every((der, index) =>
        bytesEqual(der, intermediates[index] as Uint8Array),
      )
    ) {
      return;
    }
    this.#certificates.set(aor, { certificate, intermediates });
    this.onChange?.();
  }

  /**
   * Stores the certificate of a user from the `peerCertificates` folder, with the intermediates of
   * its file, before {@link restore}. It takes the place of a certificate in the snapshot unless the snapshot was made with the
   * same configured certificate: then the stored one, learned from a later signature, stays.
   */
  configureCertificate(
    uri: string,
    certificate: Uint8Array,
    intermediates: readonly Uint8Array[] = [],
  ): void {
    const aor = addressOfRecord(uri);
    const configured = { certificate, intermediates };
    this.#configured.set(aor, configured);
    this.#certificates.set(aor, configured);
  }

  /**
   * Stores the configured certificate of `uri` again, if there is one, such as after
   * {@link withdraw} dropped a restored certificate that failed its checks.
   */
  restoreConfigured(uri: string): void {
    const aor = addressOfRecord(uri);
    const configured = this.#configured.get(aor);
    if (configured !== undefined) {
      this.#certificates.set(aor, configured);
    }
  }

  /** Returns the certificate of a user, if known. */
  certificate(uri: string): Uint8Array | undefined {
    return this.#certificates.get(addressOfRecord(uri))?.certificate;
  }

  /** Returns the address-of-record and stored certificate of each user whose certificate is known. */
  certificates(): [string, StoredCertificate][] {
    return [...this.#certificates];
  }

  /**
   * Withdraws the service authorisation and the affiliations of `uri` and deletes its certificate,
   * for example when it was revoked. The user is authorised again by a publication that a valid
   * certificate signs.
   */
  withdraw(uri: string): void {
    this.authorise(uri, 0);
    this.#certificates.delete(addressOfRecord(uri));
    this.onChange?.();
  }

  /** Returns the IDs of the configured groups among `groupIds` that `uri` is a member of. */
  #memberGroups(uri: string, groupIds: readonly string[]): string[] {
    return groupIds
      .map((id) => this.group(id))
      .filter((group): group is GroupConfig => group !== undefined && this.isMember(group, uri))
      .map((group) => group.id);
  }

  /** Returns the run-time state of every user who has any, lapsed entries left out. */
  snapshot(): RegistrySnapshot {
    const now = this.#now();
    const uris = new Set([
      ...this.#authorised.keys(),
      ...this.#affiliations.keys(),
      ...this.#certificates.keys(),
      ...[...this.#lastPublished.keys()].map((key) => key.slice(key.indexOf(' ') + 1)),
      ...this.#configured.keys(),
    ]);
    const users: UserSnapshot[] = [];
    for (const uri of uris) {
      const authorisedUntil = this.#authorised.get(uri);
      const affiliation = this.#affiliations.get(uri);
      const stored = this.#certificates.get(uri);
      const authorisation = this.#lastPublished.get(`authorisation ${uri}`);
      const affiliationPublished = this.#lastPublished.get(`affiliation ${uri}`);
      const configured = this.#configured.get(uri);
      users.push({
        uri,
        ...(authorisedUntil !== undefined && authorisedUntil > now ? { authorisedUntil } : {}),
        ...(affiliation !== undefined && affiliation.until > now
          ? { affiliation: { groups: [...affiliation.groups], until: affiliation.until } }
          : {}),
        ...(stored === undefined
          ? {}
          : {
              certificate: base64Encode(stored.certificate),
              intermediates: stored.intermediates.map((der) => base64Encode(der)),
            }),
        configuredSha256:
          configured === undefined ? null : certificateDigest(configured.certificate),
        published: {
          ...(authorisation === undefined ? {} : { authorisation }),
          ...(affiliationPublished === undefined ? {} : { affiliation: affiliationPublished }),
        },
      });
    }
    return { version: SNAPSHOT_VERSION, users };
  }

  /**
   * Applies a snapshot that {@link snapshot} made, such as one read back from a file after a
   * restart. Users who are no longer configured, lapsed entries and groups that the user is no
   * longer a member of are left out, and so is a certificate when the user's configured one
   * changed since the snapshot (see {@link configureCertificate}). A publication time later than
   * `latestPublication` (ms) is left out, so that a time far ahead cannot hold back the user's
   * publications, and a lapse time lies at most
   * {@link MAX_LIFETIME_SECONDS} ahead. Raises TypeError naming the first invalid field or a user
   * who appears twice, before changing anything. Returns the certificates it restored, by address-of-record, for the
   * caller to check, since a certificate may have expired or been revoked since.
   */
  restore(raw: unknown, latestPublication = Infinity): [string, StoredCertificate][] {
    const users = readSnapshot(raw);
    const seen = new Set<string>();
    users.forEach((user, index) => {
      const aor = addressOfRecord(user.uri);
      if (seen.has(aor)) {
        throw new TypeError(`snapshot.users[${String(index)}].uri repeats ${user.uri}`);
      }
      seen.add(aor);
    });
    const now = this.#now();
    const latestLapse = now + MAX_LIFETIME_SECONDS * 1000;
    const restored: [string, StoredCertificate][] = [];
    for (const user of users) {
      const configured = this.user(user.uri);
      if (configured === undefined) continue;
      const aor = addressOfRecord(configured.uri);
      if (user.authorisedUntil !== undefined && user.authorisedUntil > now) {
        this.#authorised.set(aor, Math.min(user.authorisedUntil, latestLapse));
      }
      if (user.affiliation !== undefined && user.affiliation.until > now) {
        const groups = this.#memberGroups(aor, user.affiliation.groups);
        const until = Math.min(user.affiliation.until, latestLapse);
        this.#affiliations.set(aor, { groups: new Set(groups), until });
      }
      if (user.certificate !== undefined && this.#keepsStored(aor, user)) {
        const stored = { certificate: user.certificate, intermediates: user.intermediates };
        this.#certificates.set(aor, stored);
        restored.push([aor, stored]);
      }
      for (const kind of ['authorisation', 'affiliation'] as const) {
        const signedAt = user.published[kind];
        if (signedAt !== undefined && signedAt <= latestPublication) {
          this.#lastPublished.set(`${kind} ${aor}`, signedAt);
        }
      }
    }
    return restored;
  }

  /**
   * Tells whether a restored user keeps the stored certificate rather than the configured one:
   * unless the operator replaced the user's file in `peerCertificates` since the snapshot, or
   * removed the file of a stored certificate that was the configured one. A file added since a
   * snapshot that recorded none (null) also takes its place. A snapshot that does not tell, such
   * as one written before the field existed, keeps it.
   */
  #keepsStored(aor: string, user: RestoredUser): boolean {
    const configured = this.#configured.get(aor);
    const recorded = user.configuredSha256;
    if (recorded === undefined) return true;
    if (configured !== undefined) return certificateDigest(configured.certificate) === recorded;
    if (recorded === null) return true;
    return user.certificate === undefined || certificateDigest(user.certificate) !== recorded;
  }
}

/** Returns the SHA-256 digest of a certificate in base64, as the snapshot records it. */
function certificateDigest(der: Uint8Array): string {
  return createHash('sha256').update(der).digest('base64');
}

interface RestoredUser {
  readonly uri: string;
  readonly authorisedUntil: number | undefined;
  readonly affiliation: { readonly groups: readonly string[]; readonly until: number } | undefined;
  readonly certificate: Uint8Array | undefined;
  readonly intermediates: readonly Uint8Array[];
  readonly configuredSha256: string | null | undefined;
  readonly published: { readonly authorisation?: number; readonly affiliation?: number };
}

/** Checks the shape of a snapshot and decodes its certificates. */
function readSnapshot(raw: unknown): RestoredUser[] {
  const root = record(raw, 'snapshot');
  if (root.version !== SNAPSHOT_VERSION) {
    throw new TypeError(`snapshot.version must be ${String(SNAPSHOT_VERSION)}`);
  }
  if (!Array.isArray(root.users)) throw new TypeError('snapshot.users must be an array');
  return root.users.map((entry: unknown, index) => {
    const field = `snapshot.users[${String(index)}]`;
    const user = record(entry, field);
    if (typeof user.uri !== 'string') throw new TypeError(`${field}.uri must be a string`);
    const affiliation =
      user.affiliation === undefined ? undefined : record(user.affiliation, `${field}.affiliation`);
    const groups = affiliation?.groups;
    if (
      affiliation !== undefined &&
      !(Array.isArray(groups) && groups.every((id) => typeof id === 'string'))
    ) {
      throw new TypeError(`${field}.affiliation.groups must be an array of strings`);
    }
    const intermediates = user.intermediates ?? [];
    if (!Array.isArray(intermediates)) {
      throw new TypeError(`${field}.intermediates must be an array`);
    }
    const published = record(user.published ?? {}, `${field}.published`);
    const authorisation = optionalTime(published.authorisation, `${field}.published.authorisation`);
    const affiliationPublished = optionalTime(
      published.affiliation,
      `${field}.published.affiliation`,
    );
    return {
      uri: user.uri,
      authorisedUntil: optionalTime(user.authorisedUntil, `${field}.authorisedUntil`),
      affiliation:
        affiliation === undefined
          ? undefined
          : {
              groups: groups as string[],
              until: optionalTime(affiliation.until, `${field}.affiliation.until`) ?? 0,
            },
      certificate:
        user.certificate === undefined
          ? undefined
          : decode(user.certificate, `${field}.certificate`),
      intermediates: intermediates.map((value: unknown, i) =>
        decode(value, `${field}.intermediates[${String(i)}]`),
      ),
      configuredSha256: optionalDigest(user.configuredSha256, `${field}.configuredSha256`),
      published: {
        ...(authorisation === undefined ? {} : { authorisation }),
        ...(affiliationPublished === undefined ? {} : { affiliation: affiliationPublished }),
      },
    };
  });
}

function record(value: unknown, field: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError(`${field} must be an object`);
  }
  return value as Record<string, unknown>;
}

function optionalTime(value: unknown, field: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new TypeError(`${field} must be a time in ms`);
  }
  return value;
}

function optionalDigest(value: unknown, field: string): string | null | undefined {
  if (value === undefined || value === null) return value;
  if (typeof value !== 'string' || !/^[A-Za-z0-9+/]{43}=$/.test(value)) {
    throw new TypeError(`${field} must be a SHA-256 digest in base64`);
  }
  return value;
}

function decode(value: unknown, field: string): Uint8Array {
  if (typeof value !== 'string') throw new TypeError(`${field} must be base64`);
  try {
    return base64Decode(value);
  } catch {
    throw new TypeError(`${field} must be base64`);
  }
}
