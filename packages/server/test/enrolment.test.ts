import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { certificateSipUris, pemDecode } from '@mcptt-smime/smime';
import { startEnrolmentServer, type EnrolmentServer } from '../src/enrolment-server.js';
import { createDemoPki } from '../src/openssl-ca.js';

const run = promisify(execFile);
const ALICE = 'sip:alice@mcptt.example';

describe('enrolment endpoint', () => {
  let folder: string;
  let server: EnrolmentServer;
  let csr: string;

  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'enrolment-test-'));
    await createDemoPki({ folder, domain: 'mcptt.example', users: [], server: 'mcptt-server' });
    await run('openssl', [
      'genpkey',
      '-algorithm',
      'EC',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-out',
      join(folder, 'browser.key.pem'),
    ]);
    // The subject asks for another identity; the issued certificate must ignore it.
    csr = (
      await run('openssl', [
        'req',
        '-new',
        '-key',
        join(folder, 'browser.key.pem'),
        '-subj',
        '/CN=sip:mallory@mcptt.example',
      ])
    ).stdout;
    server = await startEnrolmentServer(
      {
        caCertificate: join(folder, 'ca.cert.pem'),
        caKey: join(folder, 'ca.key.pem'),
        codes: { [ALICE]: 'K7Q2-PLM9', 'sip:bob@mcptt.example': 'B0B0-B0B0' },
      },
      pino({ level: 'silent' }),
    );
  });

  afterAll(async () => {
    await server?.stop();
  });

  const enrol = (body: object) =>
    fetch(`${server.url}/enrol`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });

  it('rejects a wrong code', async () => {
    const response = await enrol({ uri: ALICE, code: 'K7Q2-PLM8', csr });

    expect(response.status).toBe(403);
  });

  it('rejects an invalid request', async () => {
    const response = await enrol({
      uri: 'sip:bob@mcptt.example',
      code: 'B0B0-B0B0',
      csr: 'not a request',
    });

    expect(response.status).toBe(400);
  });

  it('issues for the configured URI', async () => {
    const response = await enrol({ uri: ALICE, code: 'K7Q2-PLM9', csr });
    const body = (await response.json()) as { certificate: string; caCertificate: string };
    const [der] = pemDecode(body.certificate, 'CERTIFICATE');
    await writeFile(join(folder, 'issued.pem'), body.certificate);
    const verified = await run('openssl', [
      'verify',
      '-CAfile',
      join(folder, 'ca.cert.pem'),
      join(folder, 'issued.pem'),
    ]);

    expect(response.status).toBe(200);
    expect(certificateSipUris(der!)).toEqual([ALICE]);
    expect(verified.stdout).toContain('OK');
  });

  it('accepts a code only once', async () => {
    const response = await enrol({ uri: ALICE, code: 'K7Q2-PLM9', csr });

    expect(response.status).toBe(403);
  });

  it('keeps a code after an invalid request', async () => {
    const response = await enrol({ uri: 'sip:bob@mcptt.example', code: 'B0B0-B0B0', csr });

    expect(response.status).toBe(200);
  });
});
