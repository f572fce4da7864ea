// Enrolment configured with CA files that cannot issue usable certificates. The endpoint must
// not report the operator's mistake as the client's: it fails to start, or responds with 500.
import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startEnrolmentServer, type EnrolmentServer } from '../src/enrolment-server.js';
import type { EnrolmentConfig } from '../src/config.js';
import { createDemoPki } from '../src/openssl-ca.js';

const run = promisify(execFile);
const ALICE = 'sip:alice@mcptt.example';
const CODE = 'K7Q2-PLM9';

describe('enrolment with a CA mistake', () => {
  let folder: string;
  let csr: string;
  let endpoint: EnrolmentServer | undefined;
  const file = (name: string) => join(folder, name);
  const silent = pino({ level: 'silent' });

  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'enrolment-ca-'));
    await createDemoPki({ folder, domain: 'mcptt.example', users: [], server: 'mcptt-server' });
    const key = file('browser.key.pem');
    await run('openssl', [
      'genpkey',
      '-algorithm',
      'EC',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-out',
      key,
    ]);
    csr = (await run('openssl', ['req', '-new', '-key', key, '-subj', '/CN=alice'])).stdout;
    // A DER SEQUENCE that contains an INTEGER where a certificate has its tbsCertificate.
    const broken = '-----BEGIN CERTIFICATE-----\nMAMCAQE=\n-----END CERTIFICATE-----\n';
    await writeFile(file('broken.cert.pem'), broken);
  });

  afterEach(async () => {
    await endpoint?.stop();
    endpoint = undefined;
  });

  /** Starts the endpoint with `files`, or returns the error of its start. */
  async function start(files: Pick<EnrolmentConfig, 'caCertificate' | 'caKey'>) {
    try {
      endpoint = await startEnrolmentServer({ ...files, codes: { [ALICE]: CODE } }, silent);
      return undefined;
    } catch (error) {
      return error as Error;
    }
  }

  /** Sends alice's enrolment and returns the HTTP status and the error code of the response. */
  async function enrol(server: EnrolmentServer) {
    const response = await fetch(`${server.url}/enrol`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ uri: ALICE, code: CODE, csr }),
    });
    const body = (await response.json()) as { code?: string };
    return { status: response.status, code: body.code };
  }

  const mistakes: [string, () => Pick<EnrolmentConfig, 'caCertificate' | 'caKey'>][] = [
    [
      'a CA key of another certificate',
      () => ({ caCertificate: file('ca.cert.pem'), caKey: file('mcptt-server.key.pem') }),
    ],
    [
      'a missing CA key file',
      () => ({ caCertificate: file('ca.cert.pem'), caKey: file('ca-key-typo.pem') }),
    ],
    [
      // Such as one that repeats an extension, which the certificate reader rejects.
      'a CA certificate that does not parse',
      () => ({ caCertificate: file('broken.cert.pem'), caKey: file('ca.key.pem') }),
    ],
    [
      'an end-entity certificate as the CA',
      () => ({ caCertificate: file('mcptt-server.cert.pem'), caKey: file('mcptt-server.key.pem') }),
    ],
  ];

  for (const [name, files] of mistakes) {
    it(`rejects ${name} at start or with 500`, async () => {
      const error = await start(files());
      if (error !== undefined) {
        expect(error.message).toMatch(/^enrolment\.ca(Key|Certificate)/);
        return;
      }

      const result = await enrol(endpoint as EnrolmentServer);

      // 400 ERR_ENROL_INVALID_REQUEST would blame the browser's certificate request.
      expect(result.status).toBe(500);
      expect(result.code).toBe('ERR_ENROL_FAILED');
    });
  }

  it('names the enrolment port in use', async () => {
    const files = { caCertificate: file('ca.cert.pem'), caKey: file('ca.key.pem') };
    expect(await start(files)).toBeUndefined();
    const port = Number(new URL((endpoint as EnrolmentServer).url).port);

    const error = await startEnrolmentServer({ ...files, codes: {}, port }, silent).then(
      () => undefined,
      (reason: unknown) => reason as NodeJS.ErrnoException,
    );
    expect(error?.message).toBe(`enrolment.port: 127.0.0.1:${String(port)} is in use`);
    expect(error?.code).toBe('EADDRINUSE');
  });
});
