/**
 * What the server knows about its users at run time: who is authorised, to which groups each is
 * affiliated, and the certificate of each, learned from verified signatures.
 *
 * @module
 */
import { addressOfRecord } from '@mcptt-smime/smime';
import type { GroupConfig, ServerConfig, UserConfig } from './config.js';

/** A user's certificate and the other certificates that its latest verified signature carried. */
export interface StoredCertificate {
  readonly certificate: Uint8Array;
  /** Intermediate CA certificates that may complete its path to a trust anchor. */
  readonly intermediates: readonly Uint8Array[];
}

/** The state that a publication changes: the service authorisation or the affiliations. */
export type PublicationKind = 'authorisation' | 'affiliation';

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
  /** The signingTime in ms of the latest publication applied, by user and kind. */
  readonly #lastPublished = new Map<string, number>();
  readonly #now: () => number;

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
      return [];
    }
    const accepted = groupIds
      .map((id) => this.group(id))
      .filter((group): group is GroupConfig => group !== undefined && this.isMember(group, uri))
      .map((group) => group.id);
    this.#affiliations.set(aor, { groups: new Set(accepted), until: this.#now() + seconds * 1000 });
    return accepted;
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
   * intermediate CA certificates that the signature carried.
   */
  setCertificate(
    uri: string,
    certificate: Uint8Array,
    intermediates: readonly Uint8Array[] = [],
  ): void {
    this.#certificates.set(addressOfRecord(uri), { certificate, intermediates });
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
  }
}
