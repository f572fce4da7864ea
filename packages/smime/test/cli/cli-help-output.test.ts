// Help written to a standard output that cannot take it, such as /dev/full or a pipe whose
// reader left. Every other output error exits 2 with one line and no stack trace.
import { closeSync, existsSync, openSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cli } from './run-cli.js';

describe.skipIf(!existsSync('/dev/full'))('help on a full standard output', () => {
  for (const args of [['--help'], ['-h'], ['protect', '--help']]) {
    it(`exits 2 for ${args.join(' ')}`, () => {
      const full = openSync('/dev/full', 'w');
      try {
        const run = cli(args, '', full);

        expect(run.status).toBe(2);
        expect(run.stderr).toBe('mcptt-smime: standard output: write failed (ENOSPC)\n');
      } finally {
        closeSync(full);
      }
    });
  }
});
