import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startKamailio } from '../src/index.js';

describe('startKamailio options', () => {
  it.each(['', 'with space', 'quote"d', 'back\\slash', 'dollar$var', 'hash#mark', 'umlaut-ü'])(
    'rejects digestPassword %j',
    async (digestPassword) => {
      const folder = await mkdtemp(join(tmpdir(), 'kamailio-options-'));
      try {
        await expect(
          startKamailio({ bodyLogFile: join(folder, 'bodies.log'), digestPassword }),
        ).rejects.toThrow(
          new TypeError(
            'digestPassword must be printable ASCII without spaces, double quotes, backslashes, # or $',
          ),
        );
      } finally {
        await rm(folder, { recursive: true, force: true });
      }
    },
  );
});
