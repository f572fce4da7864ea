/**
 * The protection policy: the SIP body parts that are sensitive, and so signed and encrypted
 * (RFC 3261 §23.3).
 *
 * The SIP core reads the SDP for its policy and QoS functions, so `application/sdp` stays in
 * clear by default. Every other media type is sensitive for every method: MCPTT bodies carry
 * MCPTT IDs, group IDs, access tokens and locations.
 *
 * @module
 */

import type { ContentType } from '../mime/content-type.js';

/** Decides which body parts are sensitive. */
export interface ProtectionPolicy {
  /** True when a part of this type in a message of this method must be signed and encrypted. */
  isSensitive(contentType: ContentType, method: string): boolean;
}

/** Options of {@link createProtectionPolicy}. */
export interface ProtectionPolicyOptions {
  /** Media types sent in clear for every method. Default: `['application/sdp']`. */
  readonly clearTypes?: readonly string[];
  /**
   * Per-method overrides, keyed by method name: the media types sent in clear for that method.
   * A method listed here uses this list in place of `clearTypes`, so an empty list makes every
   * part of that method sensitive, the SDP included.
   */
  readonly clearTypesByMethod?: Readonly<Record<string, readonly string[]>>;
}

const DEFAULT_CLEAR_TYPES: readonly string[] = ['application/sdp'];

/**
 * Creates a protection policy from lists of media types sent in clear.
 *
 * @example
 * ```ts
 * // Keep SDP in clear, and also the pidf+xml of PUBLISH.
 * const policy = createProtectionPolicy({
 *   clearTypesByMethod: { PUBLISH: ['application/sdp', 'application/pidf+xml'] },
 * });
 * ```
 *
 * @param options - Media types sent in clear, for every method and per method. Without them only
 *   `application/sdp` is sent in clear.
 * @returns The policy, for the `policy` option of protect and unprotect.
 * @throws TypeError for a media type that is not `type/subtype`.
 */
export function createProtectionPolicy(options: ProtectionPolicyOptions = {}): ProtectionPolicy {
  const clearTypes = toMediaTypeSet(options.clearTypes ?? DEFAULT_CLEAR_TYPES);
  const clearTypesByMethod = new Map<string, ReadonlySet<string>>();
  for (const [method, types] of Object.entries(options.clearTypesByMethod ?? {})) {
    clearTypesByMethod.set(method.toUpperCase(), toMediaTypeSet(types));
  }

  return {
    isSensitive(contentType: ContentType, method: string): boolean {
      const clear = clearTypesByMethod.get(method.toUpperCase()) ?? clearTypes;
      return !clear.has(contentType.mediaType.toLowerCase());
    },
  };
}

/** The default policy: `application/sdp` in clear, every other part sensitive, for every method. */
export const defaultProtectionPolicy: ProtectionPolicy = createProtectionPolicy();

function toMediaTypeSet(types: readonly string[]): ReadonlySet<string> {
  const set = new Set<string>();
  for (const type of types) {
    if (typeof type !== 'string' || !type.includes('/')) {
      throw new TypeError(`createProtectionPolicy: invalid media type ${JSON.stringify(type)}`);
    }
    set.add(type.trim().toLowerCase());
  }
  return set;
}
