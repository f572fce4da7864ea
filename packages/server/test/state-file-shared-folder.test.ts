// A state file in a shared folder such as /tmp, which root owns and everyone may write to. The
// server must reject it, and its advice must not be to chmod that folder, which would break
// every other program that writes there.
import { chmod, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { claimStateFile } from '../src/state-file.js';

describe('claimStateFile in a shared folder', () => {
  it('rejects a sticky world-writable folder', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'mcptt-shared-'));
    await chmod(folder, 0o1777);

    await expect(claimStateFile(join(folder, 'state.json'))).rejects.toThrow(/^stateFile folder/);
  });

  it('advises another folder, not chmod', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'mcptt-shared-'));
    await chmod(folder, 0o1777);

    const error = await claimStateFile(join(folder, 'state.json')).then(
      () => undefined,
      (rejection: unknown) => rejection as Error,
    );

    expect(error?.message).not.toMatch(/chmod/);
    expect(error?.message).toMatch(/use a folder of the server's account/);
  });
});
