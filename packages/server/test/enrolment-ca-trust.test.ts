// An enrolment CA that the server's trust anchors do not cover. Every certificate that the
// endpoint issues would then fail the server's chain check, and each enrolled user would get 403.
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { beforeAll, describe, expect, it } from 'vitest';
import { pemEncode } from '@mcptt-smime/smime';
import { parseConfig } from '../src/config.js';
import { McpttServer } from '../src/mcptt-server.js';
import { createDemoPki } from '../src/openssl-ca.js';
import { createCertificate } from '../../smime/src/cms/index.js';
import { DOMAIN, SERVER_URI } from './helpers/mcptt-test-client.js';
import { asIssuer, demoCa, issue } from './helpers/test-ca.js';

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
    // The checks passed, so the start went on to connect to the missing core.
    expect(await startError(start(configWithEnrolmentCa('pki')))).toBe(
      'connect ECONNREFUSED 127.0.0.1:9',
    );
  });

  describe('two levels below a trust anchor', () => {
    /** Writes an enrolment CA issued by an intermediate CA of the anchor, with its key. */
    async function deepCa(
      name: string,
      withIntermediate: boolean,
      middleNotAfter?: Date,
    ): Promise<void> {
      const anchor = await demoCa(join(folder, 'pki'));
      const middle = await issue(anchor, 'Regional CA', {
        serial: 0x7201,
        ...(middleNotAfter === undefined ? {} : { notAfter: middleNotAfter }),
      });
      const enrolmentCa = await issue(asIssuer(middle), 'Enrolment CA', {
        serial: 0x7202,
        extractable: true,
      });

      const key = await crypto.subtle.exportKey('pkcs8', enrolmentCa.keys.privateKey);
      const chain = [enrolmentCa, ...(withIntermediate ? [middle] : [])];
      await mkdir(join(folder, name));
      await writeFile(
        join(folder, name, 'ca.cert.pem'),
        chain.map(({ certificate }) => pemEncode(certificate, 'CERTIFICATE')).join(''),
      );
      await writeFile(
        join(folder, name, 'ca.key.pem'),
        pemEncode(new Uint8Array(key), 'PRIVATE KEY'),
      );
    }

    it('accepts it with its intermediate after it', async () => {
      await deepCa('deep', true);

      expect(await startError(start(configWithEnrolmentCa('deep')))).toBe(
        'connect ECONNREFUSED 127.0.0.1:9',
      );
    });

    it('rejects it when its intermediate expired', async () => {
      // The endpoint would still issue certificates, which the server would then reject.
      const expiredAt = new Date(Date.now() - 3_600_000);
      await deepCa('deep-expired', true, expiredAt);

      await expect(start(configWithEnrolmentCa('deep-expired'))).rejects.toThrow(
        `enrolment.caCertificate: ${join(folder, 'deep-expired', 'ca.cert.pem')}: ` +
          `CN=Regional CA expired at its notAfter ${expiredAt.toISOString().replace(/\.\d+Z$/, '.000Z')}`,
      );
    });

    it('accepts it with a renewed intermediate', async () => {
      // During a rollover the file may hold the expired copy of the intermediate before the new.
      const anchor = await demoCa(join(folder, 'pki'));
      const expired = await issue(anchor, 'Regional CA', {
        serial: 0x7201,
        notAfter: new Date(Date.now() - 3_600_000),
      });
      const renewed = await issue(anchor, 'Regional CA', { serial: 0x7203, keys: expired.keys });
      const enrolmentCa = await issue(asIssuer(renewed), 'Enrolment CA', {
        serial: 0x7202,
        extractable: true,
      });
      const key = await crypto.subtle.exportKey('pkcs8', enrolmentCa.keys.privateKey);
      await mkdir(join(folder, 'renewed'));
      await writeFile(
        join(folder, 'renewed', 'ca.cert.pem'),
        [enrolmentCa, expired, renewed]
          .map(({ certificate }) => pemEncode(certificate, 'CERTIFICATE'))
          .join(''),
      );
      await writeFile(
        join(folder, 'renewed', 'ca.key.pem'),
        pemEncode(new Uint8Array(key), 'PRIVATE KEY'),
      );

      expect(await startError(start(configWithEnrolmentCa('renewed')))).toBe(
        'connect ECONNREFUSED 127.0.0.1:9',
      );
    });

    it('rejects it below an expired trust anchor', async () => {
      // The server checks the anchor's validity too, so it would reject every enrolled user.
      const expiredAt = new Date(Date.now() - 3_600_000);
      const keys = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, [
        'sign',
        'verify',
      ]);
      const root = await createCertificate({
        crypto,
        subject: 'Old Root CA',
        issuerKey: keys.privateKey,
        publicKey: keys.publicKey,
        serial: 0x7301,
        notBefore: new Date(Date.now() - 2 * 86_400_000),
        notAfter: expiredAt,
        isCa: true,
      });
      const enrolmentCa = await issue({ certificate: root, key: keys.privateKey }, 'Enrolment CA', {
        serial: 0x7302,
        extractable: true,
      });
      const key = await crypto.subtle.exportKey('pkcs8', enrolmentCa.keys.privateKey);
      await mkdir(join(folder, 'old-root'));
      await writeFile(join(folder, 'old-root', 'root.cert.pem'), pemEncode(root, 'CERTIFICATE'));
      await writeFile(
        join(folder, 'old-root', 'ca.cert.pem'),
        pemEncode(enrolmentCa.certificate, 'CERTIFICATE'),
      );
      await writeFile(
        join(folder, 'old-root', 'ca.key.pem'),
        pemEncode(new Uint8Array(key), 'PRIVATE KEY'),
      );
      const config = parseConfig(
        {
          serverUri: SERVER_URI,
          identity: {
            key: 'pki/mcptt-server.key.pem',
            certificate: 'pki/mcptt-server.cert.pem',
            trustAnchors: ['pki/ca.cert.pem', 'old-root/root.cert.pem'],
          },
          users: [{ uri: ALICE }],
          groups: [],
          enrolment: {
            caCertificate: 'old-root/ca.cert.pem',
            caKey: 'old-root/ca.key.pem',
            codes: {},
          },
        },
        folder,
      );

      await expect(start(config)).rejects.toThrow(
        `enrolment.caCertificate: ${join(folder, 'old-root', 'ca.cert.pem')}: CN=Old Root CA ` +
          `expired at its notAfter ${expiredAt.toISOString().replace(/\.\d+Z$/, '.000Z')}`,
      );
    });

    it('rejects it without its intermediate', async () => {
      await deepCa('deep-alone', false);

      await expect(start(configWithEnrolmentCa('deep-alone'))).rejects.toThrow(
        /^enrolment\.caCertificate: .* is not covered by identity\.trustAnchors/,
      );
    });
  });
});

/** Returns the message of the error that a start rejects with. */
async function startError(started: Promise<unknown>): Promise<string | undefined> {
  const error = await started.then(
    () => undefined,
    (reason: unknown) => reason as Error,
  );
  return error?.message;
}
