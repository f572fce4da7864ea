// A configuration file that is not valid JSON, such as one with a trailing comma. The error
// names the file, as every other configuration error names its field or file.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';

describe('loadConfig with invalid JSON', () => {
  it('names the file', async () => {
    const file = join(await mkdtemp(join(tmpdir(), 'mcptt-json-')), 'server.json');
    await writeFile(file, '{ "serverUri": "sip:mcptt-server@mcptt.example", }\n');

    await expect(loadConfig(file)).rejects.toThrow(file);
  });

  it('does not quote a secret near the mistake', async () => {
    // V8 quotes the text around an unexpected token, here an enrolment code without its quotes,
    // and the error of a failed start goes to the log.
    const file = join(await mkdtemp(join(tmpdir(), 'mcptt-json-')), 'server.json');
    await writeFile(
      file,
      '{ "enrolment": { "codes": { "sip:alice@mcptt.example": K7Q2-PLM9 } } }\n',
    );

    const error = await loadConfig(file).then(
      () => undefined,
      (reason: unknown) => reason as Error,
    );
    expect(error).toBeInstanceOf(SyntaxError);
    expect(error?.message).toContain(file);
    expect(error?.message).not.toContain('PLM9');
  });
});
