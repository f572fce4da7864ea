/** Timing helpers shared by the benchmarks. */

/** A monotonic clock in milliseconds. */
export type Clock = () => number;

/** Median of a list of samples. */
export function median(samples: readonly number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? Number.NaN)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

/**
 * Runs `operation` `warmup` times unmeasured, then `iterations` times, and returns the median
 * duration in milliseconds.
 */
export async function measure(
  clock: Clock,
  operation: () => Promise<unknown>,
  iterations: number,
  warmup = Math.max(5, Math.floor(iterations / 10)),
): Promise<number> {
  for (let i = 0; i < warmup; i++) await operation();
  const samples: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const start = clock();
    await operation();
    samples.push(clock() - start);
  }
  return median(samples);
}

/** Rounds a duration for the report. */
export function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

/**
 * Runs each operation in turn, round after round, and returns the median duration of each in
 * milliseconds. Interleaving exposes every operation to the same background load, so that ratios
 * between them stay meaningful on a busy machine. An operation left undefined is not measured.
 */
export async function measureInterleaved<
  Operations extends Readonly<Record<string, (() => Promise<unknown>) | undefined>>,
>(
  clock: Clock,
  operations: Operations,
  iterations: number,
  warmup = Math.max(5, Math.floor(iterations / 10)),
): Promise<{ [Name in keyof Operations]: number }> {
  const entries = Object.entries(operations).filter(
    (entry): entry is [string, () => Promise<unknown>] => entry[1] !== undefined,
  );
  const samples = new Map<string, number[]>(entries.map(([name]) => [name, []]));

  for (let round = 0; round < warmup + iterations; round++) {
    for (const [name, operation] of entries) {
      const start = clock();
      await operation();
      if (round >= warmup) samples.get(name)?.push(clock() - start);
    }
  }
  return Object.fromEntries(entries.map(([name]) => [name, median(samples.get(name) ?? [])])) as {
    [Name in keyof Operations]: number;
  };
}
