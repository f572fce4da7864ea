/**
 * Counts that the benchmark runners read from the environment.
 *
 * @module
 */

/**
 * Reads a count such as `BENCH_ITERATIONS` from the environment, or returns `fallback` when it is
 * not set. Raises TypeError for a value that is not a positive integer.
 */
export function countFromEnvironment<Fallback extends number | undefined>(
  name: string,
  fallback: Fallback,
): number | Fallback {
  const value = process.env[name];
  if (value === undefined || value === '') return fallback;
  const count = Number(value);
  if (!Number.isInteger(count) || count < 1) {
    throw new TypeError(`${name} must be a positive integer, not ${JSON.stringify(value)}`);
  }
  return count;
}
