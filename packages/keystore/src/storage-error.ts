/**
 * Translation of IndexedDB failures into the core's StorageError codes.
 *
 * @module
 */

import { StorageError, isMcpttError } from '@mcptt-smime/smime';
import type { StorageErrorCode } from '@mcptt-smime/smime';

/** DOMException names that IndexedDB raises, mapped to the stable storage codes. */
const CODE_BY_NAME: Readonly<Record<string, StorageErrorCode>> = {
  QuotaExceededError: 'ERR_STORAGE_QUOTA',
  DataCloneError: 'ERR_STORAGE_DATA_CLONE',
};

/**
 * Converts what an IndexedDB call raised into a StorageError. Errors of this library pass
 * through unchanged. The message names the operation and the DOMException name, never a value.
 */
export function toStorageError(error: unknown, operation: string): Error {
  if (isMcpttError(error) || error instanceof TypeError) return error;

  const name = error instanceof Error || isDomException(error) ? error.name : 'unknown error';
  const code =
    (Object.hasOwn(CODE_BY_NAME, name) ? CODE_BY_NAME[name] : undefined) ?? 'ERR_STORAGE_FAILED';
  return new StorageError(`keystore ${operation} failed: ${name}`, { code, cause: error });
}

/**
 * Runs one storage step and converts its failure with {@link toStorageError}. Only IndexedDB calls
 * belong inside `step`: an awaited WebCrypto promise there would let the transaction commit early.
 */
export async function storageStep<T>(operation: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    throw toStorageError(error, operation);
  }
}

function isDomException(value: unknown): value is { name: string } {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { name?: unknown }).name === 'string'
  );
}
