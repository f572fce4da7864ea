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
 * between them stay meaningful on a busy machine.
 */
export async function measureInterleaved<Name extends string>(
  clock: Clock,
  operations: Readonly<Record<Name, () => Promise<unknown>>>,
  iterations: number,
  warmup = Math.max(5, Math.floor(iterations / 10)),
): Promise<Record<Name, number>> {
  const names = Object.keys(operations) as Name[];
  const samples = new Map<Name, number[]>(names.map((name) => [name, []]));

  for (let round = 0; round < warmup + iterations; round++) {
    for (const name of names) {
      const start = clock();
      await operations[name]();
      if (round >= warmup) samples.get(name)?.push(clock() - start);
    }
  }
  return Object.fromEntries(names.map((name) => [name, median(samples.get(name) ?? [])])) as Record<
    Name,
    number
  >;
}
