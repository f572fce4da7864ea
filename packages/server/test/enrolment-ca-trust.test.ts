// An enrolment CA that the server's trust anchors do not cover. Every certificate that the
// endpoint issues would then fail the server's chain check, and each enrolled user would get 403.
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config.js';
import { McpttServer } from '../src/mcptt-server.js';
import { createDemoPki } from '../src/openssl-ca.js';
import { DOMAIN, SERVER_URI } from './helpers/mcptt-test-client.js';

const ALICE = `sip:alice@${DOMAIN}`;
// Nothing listens on the discard port of the loopback address, so a start that passed its checks
// fails to connect.
const NO_CORE = 'ws://127.0.0.1:9';

describe('enrolment CA outside the trust anchors', () => {
  let folder: string;

  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'mcptt-enrol-trust-'));
    const options = { domain: DOMAIN, users: ['alice'], server: 'mcptt-server' };
    await createDemoPki({ ...options, folder: join(folder, 'pki') });
    await createDemoPki({ ...options, folder: join(folder, 'other') });
  });

  function configWithEnrolmentCa(ca: string) {
    return parseConfig(
      {
        serverUri: SERVER_URI,
        identity: {
          key: 'pki/mcptt-server.key.pem',
          certificate: 'pki/mcptt-server.cert.pem',
          trustAnchors: ['pki/ca.cert.pem'],
        },
        users: [{ uri: ALICE }],
        groups: [],
        enrolment: { caCertificate: `${ca}/ca.cert.pem`, caKey: `${ca}/ca.key.pem`, codes: {} },
      },
      folder,
    );
  }

  const start = (config: ReturnType<typeof parseConfig>) =>
    McpttServer.start({ config, coreUrl: NO_CORE, logger: pino({ level: 'silent' }) });

  it('rejects it before connecting', async () => {
    await expect(start(configWithEnrolmentCa('other'))).rejects.toThrow(
      /^enrolment\.caCertificate: /,
    );
  });

  it('names a CA certificate that does not parse', async () => {
    // A DER SEQUENCE that contains an INTEGER where a certificate has its tbsCertificate.
    await mkdir(join(folder, 'broken'));
    const broken = '-----BEGIN CERTIFICATE-----\nMAMCAQE=\n-----END CERTIFICATE-----\n';
    await writeFile(join(folder, 'broken', 'ca.cert.pem'), broken);

    await expect(start(configWithEnrolmentCa('broken'))).rejects.toThrow(
      /^enrolment\.caCertificate: /,
    );
  });

  it('accepts a trust anchor as the enrolment CA', async () => {
    const error = await start(configWithEnrolmentCa('pki')).then(
      () => undefined,
      (reason: unknown) => reason as Error,
    );
    // The checks passed, so the start went on to connect to the missing core.
    expect(error?.message).toBe('connect ECONNREFUSED 127.0.0.1:9');
  });
});
