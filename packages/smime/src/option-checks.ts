/**
 * Checks of the options that callers pass in, so that a programming mistake raises TypeError at
 * once rather than an error about the peer's message. Every comparison with an Invalid Date is
 * false, so one would pass every validity, signature age and replay check unseen. Bytes that are
 * not DER, such as a PEM file's, would fail to parse only once a message arrives, as a 400.
 *
 * @module
 */

/**
 * Returns `value` when it is a valid Date, and raises TypeError naming `caller` and `option`
 * otherwise.
 *
 * @internal
 */
export function checkedDate(value: unknown, caller: string, option: string): Date {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) {
    throw new TypeError(`${caller}: ${option} must be a valid Date`);
  }
  return value;
}

/**
 * Returns the time of a `now` option: the current time when it is undefined, else what it
 * returns. Raises TypeError when `now` is not a function or returns no valid Date.
 *
 * @internal
 */
export function readClock(now: unknown, caller: string): Date {
  if (now === undefined) return new Date();
  if (typeof now !== 'function') {
    throw new TypeError(`${caller}: options.now must be a function that returns a Date`);
  }
  return checkedDate((now as () => unknown)(), caller, 'options.now()');
}

/**
 * True for bytes that can be a DER certificate: a non-empty Uint8Array whose first octet is the
 * SEQUENCE tag. PEM text starts with `-` and fails.
 *
 * @internal
 */
export function looksLikeDer(value: unknown): boolean {
  return value instanceof Uint8Array && value.length > 0 && value[0] === 0x30;
}

/**
 * Raises TypeError naming `caller` and `option` unless `value` is an array of
 * {@link looksLikeDer} certificates.
 *
 * @internal
 */
export function checkCertificateList(value: unknown, caller: string, option: string): void {
  if (!Array.isArray(value) || !value.every(looksLikeDer)) {
    throw new TypeError(`${caller}: ${option} must be an array of DER certificates, not PEM`);
  }
}

/**
 * Raises TypeError naming `caller` and `option` unless `identity` has a DER certificate, a
 * chain of DER certificates and the private keys that `keys` names.
 *
 * @internal
 */
export function checkIdentity(
  identity: unknown,
  caller: string,
  option: string,
  keys: readonly ('signingKey' | 'decryptionKey')[],
): void {
  const fields = identity as Record<string, unknown> | null | undefined;
  if (typeof fields !== 'object' || fields === null || !looksLikeDer(fields.certificate)) {
    throw new TypeError(`${caller}: ${option}.certificate must be a DER certificate`);
  }
  if (fields.chain !== undefined) checkCertificateList(fields.chain, caller, `${option}.chain`);
  for (const key of keys) {
    if (!isCryptoKey(fields[key])) {
      throw new TypeError(`${caller}: ${option}.${key} must be a CryptoKey`);
    }
  }
}

/** The runtime's `CryptoKey` class, where it has one. */
const NATIVE_CRYPTO_KEY: unknown = (globalThis as { CryptoKey?: unknown }).CryptoKey;

function isCryptoKey(value: unknown): boolean {
  // A native key passes with one check. Reading `type` and `algorithm` calls into the browser,
  // about 3 µs per message in a Chromium profile (an estimate). Other objects, such as keys of
  // another realm or of an engine, are checked by their shape.
  if (typeof NATIVE_CRYPTO_KEY === 'function' && value instanceof NATIVE_CRYPTO_KEY) return true;
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { type?: unknown }).type === 'string' &&
    typeof (value as { algorithm?: unknown }).algorithm === 'object'
  );
}

/**
 * Raises TypeError naming `caller` unless `message` has the methods of a `SipMessage`. The shape
 * is checked rather than the class, so that a message from another copy of this package passes.
 *
 * @internal
 */
export function checkMessage(message: unknown, caller: string): void {
  const candidate = message as { toBytes?: unknown; getHeaders?: unknown } | null | undefined;
  if (
    typeof candidate !== 'object' ||
    candidate === null ||
    typeof candidate.toBytes !== 'function' ||
    typeof candidate.getHeaders !== 'function'
  ) {
    throw new TypeError(`${caller}: message must be a SipMessage`);
  }
}
