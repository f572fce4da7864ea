/**
 * Vitest set-up of the packages with property tests: fast-check draws the same inputs on every
 * run, so that a failure in CI reproduces on another machine. `FC_SEED` sets another seed, to
 * explore other inputs locally.
 */
import fc from 'fast-check';

const DEFAULT_SEED = 20_261_205;

const seed = Number(process.env['FC_SEED'] ?? DEFAULT_SEED);
if (!Number.isSafeInteger(seed)) throw new TypeError('FC_SEED must be an integer');
fc.configureGlobal({ seed });
