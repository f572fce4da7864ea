/** Runs the core benchmark in Node and prints one JSON line. */
import { webcrypto } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { runCoreBench } from './core-bench.js';

const iterations = Number(process.env.BENCH_ITERATIONS ?? 200);
const result = await runCoreBench(webcrypto as Crypto, () => performance.now(), iterations);
console.log(JSON.stringify(result));
