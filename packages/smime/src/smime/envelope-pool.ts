/**
 * Envelopes made before the messages that use them.
 *
 * An envelope's content key and recipient infos do not depend on the content. With an EC
 * recipient they cost an ephemeral ECDH key pair, a derivation and a key wrap, more than a third
 * of protect. A pool makes them ahead, for example in a worker on another core (see
 * {@link workerEnvelopePreparer}), and protect then only signs and encrypts. Each envelope is
 * handed out once, and only for the exact recipients and algorithm it was made for.
 *
 * @module
 */

import { bytesEqual, bytesKey, cloneBytes, sameBytes } from '../bytes.js';
import { BoundedCache } from '../cms/bounded-cache.js';
import {
  contentKeyAlgorithm,
  contentKeyBytes,
  type ContentEncryptionAlgorithm,
} from '../cms/content-encryption.js';
import { parseCertificate, type ParsedCertificate } from '../cms/certificate.js';
import { parseBer } from '../cms/der.js';
import { derEncode } from '../cms/der-writer.js';
import { identifiesCertificate } from '../cms/recipient-identifier.js';
import { readRecipientInfo } from '../cms/recipient-info.js';
import type { PreparedEnvelope } from '../cms/encrypt-content.js';

/** Request to an {@link EnvelopePreparer}: the recipients and algorithm of the envelopes. */
export interface EnvelopeRequest {
  /** DER of the recipient certificates, in order. */
  readonly recipients: readonly Uint8Array[];
  readonly algorithm: ContentEncryptionAlgorithm;
}

/**
 * Makes `count` envelopes for one request, with `prepareEnvelope` in this thread or through a
 * worker. A pool requests several at once, because in Chromium each message to a worker costs the
 * page 25 to 40 µs to post (measured by `npm run bench`). A pool reads any rejection, whatever
 * its error, as a failure of the preparer: it stops asking it for these recipients, and messages
 * make their own envelopes.
 */
export type EnvelopePreparer = (
  request: EnvelopeRequest,
  count: number,
) => Promise<readonly PreparedEnvelope[]>;

/** Source of ready envelopes, which `protectMessage` tries before it makes one itself. */
export interface EnvelopeSource {
  /**
   * Returns a ready envelope for exactly these recipients and this algorithm, never the same one
   * twice, or undefined when none is ready.
   *
   * @param recipients - The recipient certificates (DER), in the order of the message's options.
   * @param algorithm - The content encryption of the message.
   * @returns A prepared envelope, which the caller seals once, or undefined.
   */
  take(
    recipients: readonly Uint8Array[],
    algorithm: ContentEncryptionAlgorithm,
  ): PreparedEnvelope | undefined;
}

/** Options of {@link EnvelopePool}. */
export interface EnvelopePoolOptions {
  /** Makes the envelopes. */
  readonly prepare: EnvelopePreparer;
  /**
   * Most envelopes kept ready for each set of recipients. Default 8, at most MAX_POOL_DEPTH. Once
   * half of them or more are taken, one request to the preparer makes the set full again.
   */
  readonly depth?: number;
}

/** Largest {@link EnvelopePoolOptions.depth}. */
export const MAX_POOL_DEPTH = 16;

/**
 * Number of recipient sets that a pool keeps envelopes for. The set used least recently is
 * dropped, with its envelopes, when another one is needed.
 */
export const MAX_POOLED_RECIPIENT_SETS = 8;

/**
 * Number of envelopes that a pool remembers, to reject a batch that repeats one: the last 1,024
 * refills at the default depth.
 */
const REMEMBERED_ENVELOPES = 4096;

interface RecipientSet {
  readonly recipients: readonly Uint8Array[];
  readonly algorithm: ContentEncryptionAlgorithm;
  readonly ready: PreparedEnvelope[];
  pending: number;
  failed: boolean;
  /** True while a refill waits for its timer. */
  scheduled: boolean;
  waiters: ((ready: boolean) => void)[];
}

/**
 * Keeps a few envelopes ready for each set of recipients that {@link EnvelopePool.fill} started,
 * and makes new ones after they are taken. The request for them leaves after the current task, so
 * that the message that took an envelope does not wait for it. When the preparer fails, for
 * example because the worker stopped, the pool stops making envelopes for that set until `fill`
 * is called again, and `protectMessage` makes its envelopes itself, raising any error that the
 * recipients cause.
 *
 * @example
 * ```ts
 * // context: message: SipMessage, signer: LocalIdentity, serverCertificate: Uint8Array
 * const worker = new Worker(new URL('./envelope-worker.ts', import.meta.url), { type: 'module' });
 * const envelopes = new EnvelopePool({ prepare: workerEnvelopePreparer(worker) });
 * await envelopes.fill([serverCertificate], 'aes-256-gcm');
 * const sent = await protectMessage(message, { crypto, signer, recipients: [serverCertificate], envelopes });
 * ```
 */
export class EnvelopePool implements EnvelopeSource {
  readonly #prepare: EnvelopePreparer;
  readonly #depth: number;
  /** Recipient sets, the one used least recently first. */
  #sets: RecipientSet[] = [];
  #closed = false;
  /** The envelopes received, as {@link EnvelopePool.#areNew} keys them. */
  readonly #received = new BoundedCache<string, true>(REMEMBERED_ENVELOPES);

  /**
   * @param options - The preparer that makes envelopes, and the depth: how many ready envelopes
   *   each recipient set keeps (8 by default).
   * @throws TypeError for a depth that is not an integer from 1 to MAX_POOL_DEPTH.
   */
  constructor(options: EnvelopePoolOptions) {
    const depth = options.depth ?? 8;
    if (!Number.isInteger(depth) || depth < 1 || depth > MAX_POOL_DEPTH) {
      throw new TypeError(`EnvelopePool: depth must be an integer from 1 to ${MAX_POOL_DEPTH}`);
    }
    this.#prepare = options.prepare;
    this.#depth = depth;
  }

  /** {@inheritDoc EnvelopeSource.take} */
  take(
    recipients: readonly Uint8Array[],
    algorithm: ContentEncryptionAlgorithm,
  ): PreparedEnvelope | undefined {
    if (this.#closed) return undefined;
    const set = this.#find(recipients, algorithm);
    if (set === undefined) return undefined;
    const ready = set.ready.shift();
    if (!set.scheduled && this.#needsRefill(set)) {
      set.scheduled = true;
      setTimeout(() => {
        set.scheduled = false;
        if (this.#sets.includes(set)) this.#refill(set);
      }, 0);
    }
    // Labelled with the caller's list, equal to the set's: the set's own list must not leave the
    // pool, or a caller that reused its bytes would make the set match other recipients.
    return ready === undefined ? undefined : { ...ready, recipients };
  }

  /**
   * Starts making envelopes for these recipients when half of them or more are missing, also
   * after a failure, and resolves once one is ready: true, or false when the preparer failed or
   * the pool was closed. Call it once the recipients are known, so that the first message finds an
   * envelope ready.
   *
   * @param recipients - The recipient certificates (DER).
   * @param algorithm - The content encryption that the messages will use.
   * @returns Whether an envelope is ready.
   */
  fill(recipients: readonly Uint8Array[], algorithm: ContentEncryptionAlgorithm): Promise<boolean> {
    if (this.#closed) return Promise.resolve(false);
    const set = this.#find(recipients, algorithm) ?? this.#add(recipients, algorithm);
    set.failed = false;
    if (this.#needsRefill(set)) this.#refill(set);
    return this.#whenSettled(set);
  }

  /** Drops every ready envelope and makes no more. Later calls to `take` return undefined. */
  close(): void {
    this.#closed = true;
    const sets = this.#sets;
    this.#sets = [];
    for (const set of sets) this.#drop(set);
  }

  /** Finds the set, and marks it as the one used most recently. */
  #find(
    recipients: readonly Uint8Array[],
    algorithm: ContentEncryptionAlgorithm,
  ): RecipientSet | undefined {
    const index = this.#sets.findIndex(
      (set) => set.algorithm === algorithm && sameRecipients(set.recipients, recipients),
    );
    const set = this.#sets[index];
    if (set !== undefined && index !== this.#sets.length - 1) {
      this.#sets.splice(index, 1);
      this.#sets.push(set);
    }
    return set;
  }

  /** Adds a set as the one used most recently, dropping the oldest beyond the limit. */
  #add(recipients: readonly Uint8Array[], algorithm: ContentEncryptionAlgorithm): RecipientSet {
    // Copies: the caller may reuse its buffers, and the set must keep matching what it was made for.
    const set: RecipientSet = {
      recipients: recipients.map(cloneBytes),
      algorithm,
      ready: [],
      pending: 0,
      failed: false,
      scheduled: false,
      waiters: [],
    };
    this.#sets.push(set);
    if (this.#sets.length > MAX_POOLED_RECIPIENT_SETS) {
      const dropped = this.#sets.shift();
      if (dropped !== undefined) this.#drop(dropped);
    }
    return set;
  }

  /** True when half of the set's envelopes or more are neither ready nor being made. */
  #needsRefill(set: RecipientSet): boolean {
    return !set.failed && set.ready.length + set.pending <= this.#depth / 2;
  }

  #refill(set: RecipientSet): void {
    if (this.#closed || set.failed) return;
    const count = this.#depth - set.ready.length - set.pending;
    if (count <= 0) return;
    set.pending += count;
    const request = { recipients: set.recipients, algorithm: set.algorithm };
    let making: Promise<readonly PreparedEnvelope[]>;
    try {
      making = this.#prepare(request, count);
    } catch (error) {
      making = Promise.reject(
        error instanceof Error ? error : new Error('envelope preparer failed'),
      );
    }
    making.then(
      (envelopes) => {
        set.pending -= count;
        const checked = checkBatch(envelopes, count, request);
        if (checked === undefined || !this.#areNew(checked.firstInfos)) {
          set.failed = true;
        } else if (!this.#closed && this.#sets.includes(set)) {
          set.ready.push(...checked.batch);
        }
        this.#notify(set);
      },
      () => {
        set.pending -= count;
        set.failed = true;
        this.#notify(set);
      },
    );
  }

  /**
   * Checks that no envelope of a batch came in an earlier batch, and then remembers them. A
   * preparer that sent a batch again would otherwise have one content key seal two messages. An
   * envelope is known by the last 32 bytes of the DER of its first recipient info, which end with
   * its encrypted key.
   */
  #areNew(firstInfos: readonly Uint8Array[]): boolean {
    const keys = firstInfos.map((info) => bytesKey(info.subarray(-32)));
    if (keys.some((key) => this.#received.get(key) === true)) return false;
    for (const key of keys) this.#received.set(key, true);
    return true;
  }

  #whenSettled(set: RecipientSet): Promise<boolean> {
    if (set.ready.length > 0) return Promise.resolve(true);
    if (!this.#waiting(set)) return Promise.resolve(false);
    return new Promise((resolve) => set.waiters.push(resolve));
  }

  /** True while an envelope may still come for the set. */
  #waiting(set: RecipientSet): boolean {
    return !set.failed && set.pending > 0 && !this.#closed && this.#sets.includes(set);
  }

  #notify(set: RecipientSet): void {
    const ready = set.ready.length > 0;
    if (!ready && this.#waiting(set)) return;
    const waiters = set.waiters;
    set.waiters = [];
    for (const resolve of waiters) resolve(ready);
  }

  #drop(set: RecipientSet): void {
    set.ready.length = 0;
    this.#notify(set);
  }
}

/**
 * Checks that `envelope` is labelled with exactly the recipients and algorithm of `request`, and
 * that its content key is a secret key of that algorithm, for encryption.
 */
export function envelopeMatches(envelope: PreparedEnvelope, request: EnvelopeRequest): boolean {
  const { algorithm, recipients, contentKey } = envelope;
  if (algorithm !== request.algorithm || !Array.isArray(recipients)) return false;
  if (!sameRecipients(recipients, request.recipients)) return false;
  if (typeof CryptoKey === 'undefined' || !(contentKey instanceof CryptoKey)) return false;
  const keyAlgorithm = contentKey.algorithm as Partial<AesKeyAlgorithm>;
  return (
    contentKey.type === 'secret' &&
    contentKey.usages.includes('encrypt') &&
    keyAlgorithm.name === contentKeyAlgorithm(algorithm).name &&
    keyAlgorithm.length === contentKeyBytes(algorithm) * 8
  );
}

/** A batch that passed {@link checkBatch}, with the DER of each envelope's first recipient info. */
interface CheckedBatch {
  readonly batch: readonly PreparedEnvelope[];
  readonly firstInfos: readonly Uint8Array[];
}

/**
 * Checks a preparer's batch: `count` envelopes that match `request`, each a distinct object with
 * its own content key and recipient infos, so that no key serves two messages. Returns undefined
 * for a batch that fails.
 */
function checkBatch(
  envelopes: unknown,
  count: number,
  request: EnvelopeRequest,
): CheckedBatch | undefined {
  try {
    if (!Array.isArray(envelopes) || envelopes.length !== count) return undefined;
    // A sparse array has the length but not the envelopes, and every() skips its holes.
    for (let index = 0; index < count; index++) if (!(index in envelopes)) return undefined;
    const batch = envelopes as PreparedEnvelope[];
    // The certificates are the request's, the same for every envelope, so they are read once.
    const certificates = request.recipients.map(parseCertificate);
    const keyAgreement = certificates.some((parsed) => parsed.publicKeyAlgorithm.kind === 'ec');
    const keys = new Set(batch.map((envelope) => envelope.contentKey));
    const firstInfos = batch.map((envelope) => firstRecipientInfo(envelope));
    const valid =
      batch.every(
        (envelope, index) =>
          envelopeMatches(envelope, request) &&
          envelope.hasKeyAgreement === keyAgreement &&
          namesItsRecipients(envelope, firstInfos[index], certificates),
      ) &&
      new Set(batch).size === count &&
      keys.size === count &&
      firstInfos.every(
        (info, index) => firstInfos.findIndex((other) => bytesEqual(info, other)) === index,
      );
    return valid ? { batch, firstInfos } : undefined;
  } catch {
    // A malformed item, such as one without recipient infos, fails the batch.
    return undefined;
  }
}

/**
 * Checks that the envelope has one recipient info for each certificate, naming it by issuer and
 * serial number or by subject key identifier, so that a mislabelled envelope never reaches a
 * message for other recipients. `firstInfo` is the DER of the first recipient info when the caller
 * has encoded it already. Raises CmsParseError for a malformed recipient info.
 */
function namesItsRecipients(
  envelope: PreparedEnvelope,
  firstInfo: Uint8Array | undefined,
  certificates: readonly ParsedCertificate[],
): boolean {
  const { recipientInfos } = envelope;
  if (recipientInfos.length !== certificates.length) return false;
  return recipientInfos.every((info, index) => {
    const certificate = certificates[index];
    if (certificate === undefined) return false;
    const der = index === 0 && firstInfo !== undefined ? firstInfo : derEncode(info);
    const read = readRecipientInfo(parseBer(der, 'RecipientInfo'));
    if (read.type === 'ktri') return identifiesCertificate(read.rid, certificate);
    if (read.type !== 'kari') return false;
    const [key, ...others] = read.recipientEncryptedKeys;
    return key !== undefined && others.length === 0 && identifiesCertificate(key.rid, certificate);
  });
}

function firstRecipientInfo(envelope: PreparedEnvelope): Uint8Array {
  const [info] = envelope.recipientInfos;
  if (info === undefined) throw new TypeError('envelope without recipient infos');
  return derEncode(info);
}

function sameRecipients(a: readonly Uint8Array[], b: readonly Uint8Array[]): boolean {
  // A worker's envelopes carry the request's own list, so most checks end here.
  return a === b || sameBytes(a, b, (certificate) => certificate);
}
