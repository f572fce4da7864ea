import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rmdir, stat, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { certificateSipUris, pemDecode } from '@mcptt-smime/smime';
import {
  LOCKOUT_MS,
  MAX_WRONG_CODES,
  SPENT_CODES_FILE,
  startEnrolmentServer,
  type EnrolmentErrorCode,
  type EnrolmentServer,
} from '../src/enrolment-server.js';
import type { EnrolmentConfig } from '../src/config.js';
import { createDemoPki } from '../src/openssl-ca.js';

const run = promisify(execFile);
const ALICE = 'sip:alice@mcptt.example';
const CAROL = 'sip:carol@mcptt.example';
const DAVE = 'sip:dave@mcptt.example';
const ERIN = 'sip:erin@mcptt.example';
const FRANK = 'sip:frank@mcptt.example';
const GRACE = 'sip:grace@mcptt.example';
const HEIDI_PLUS = 'sip:heidi+dispatch@mcptt.example';

/** Body of the endpoint's error replies. */
interface ErrorReply {
  readonly error: string;
  readonly code: EnrolmentErrorCode;
}

/** Creates a key with `openssl genpkey` and returns a PEM certificate request for it. */
async function requestFor(folder: string, name: string, keyOptions: string[]): Promise<string> {
  const key = join(folder, `${name}.key.pem`);
  await run('openssl', ['genpkey', ...keyOptions, '-out', key]);
  const { stdout } = await run('openssl', ['req', '-new', '-key', key, '-subj', `/CN=${name}`]);
  return stdout;
}

/** Returns the text form of a PEM certificate, as `openssl x509 -text` prints it. */
async function certificateText(pem: string, folder: string): Promise<string> {
  const file = join(folder, 'inspected.pem');
  await writeFile(file, pem);
  const { stdout } = await run('openssl', ['x509', '-in', file, '-noout', '-text']);
  return stdout;
}

/** Options of {@link rawRequest}. */
interface RawRequestOptions {
  readonly method: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** Sends a request with `node:http`, which unlike fetch lets the caller set the Host header. */
function rawRequest(
  base: string,
  options: RawRequestOptions,
): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      { hostname, port, method: options.method, path: options.path, headers: options.headers },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString() }),
        );
      },
    );
    request.on('error', reject);
    request.end(options.body);
  });
}

describe('enrolment endpoint', () => {
  let folder: string;
  let server: EnrolmentServer;
  let csr: string;
  /** The endpoint's clock in ms, which the lockout tests move on. */
  let clock = 0;

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
        codes: {
          [ALICE]: 'K7Q2-PLM9',
          'sip:bob@mcptt.example': 'B0B0-B0B0',
          [CAROL]: 'C4R0-L111',
          [DAVE]: 'D4VE-2222',
          [ERIN]: 'ER1N-3333',
          [FRANK]: 'FRNK-4444',
          [GRACE]: 'GR4C-5555',
          [HEIDI_PLUS]: 'HE1D-6666',
        },
      },
      pino({ level: 'silent' }),
      { now: () => clock },
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
    const body = (await response.json()) as ErrorReply;

    expect(response.status).toBe(403);
    expect(body.code).toBe('ERR_ENROL_REJECTED');
  });

  it('rejects an invalid request', async () => {
    const response = await enrol({
      uri: 'sip:bob@mcptt.example',
      code: 'B0B0-B0B0',
      csr: 'not a request',
    });
    const body = (await response.json()) as ErrorReply;

    expect(response.status).toBe(400);
    expect(body.code).toBe('ERR_ENROL_INVALID_REQUEST');
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

  it('issues for a user part with a plus sign', async () => {
    const response = await enrol({ uri: HEIDI_PLUS, code: 'HE1D-6666', csr });
    const body = (await response.json()) as { certificate: string };
    const [der] = pemDecode(body.certificate, 'CERTIFICATE');

    expect(response.status).toBe(200);
    expect(certificateSipUris(der!)).toEqual([HEIDI_PLUS]);
  });

  it('accepts a code only once', async () => {
    const response = await enrol({ uri: ALICE, code: 'K7Q2-PLM9', csr });
    const body = (await response.json()) as ErrorReply;

    expect(response.status).toBe(403);
    expect(body.code).toBe('ERR_ENROL_REJECTED');
  });

  it('keeps a code after an invalid request', async () => {
    const response = await enrol({ uri: 'sip:bob@mcptt.example', code: 'B0B0-B0B0', csr });

    expect(response.status).toBe(200);
  });

  it('rejects a key type the library cannot use', async () => {
    const ed25519 = await requestFor(folder, 'ed25519', ['-algorithm', 'ED25519']);
    const response = await enrol({ uri: CAROL, code: 'C4R0-L111', csr: ed25519 });
    const body = (await response.json()) as ErrorReply;

    expect(response.status).toBe(400);
    expect(body.code).toBe('ERR_ENROL_UNSUPPORTED_KEY');
    expect(body.error).toMatch(/^unsupported key: EC P-256 or P-384, or RSA/);
  });

  it('rejects an RSA key below 2048 bits', async () => {
    const rsa1024 = await requestFor(folder, 'rsa1024', [
      '-algorithm',
      'RSA',
      '-pkeyopt',
      'rsa_keygen_bits:1024',
    ]);
    const response = await enrol({ uri: CAROL, code: 'C4R0-L111', csr: rsa1024 });
    const body = (await response.json()) as ErrorReply;

    expect(response.status).toBe(400);
    expect(body.code).toBe('ERR_ENROL_UNSUPPORTED_KEY');
  });

  it('rejects explicit curve parameters', async () => {
    const key = join(folder, 'explicit.key.pem');
    await run('openssl', [
      'ecparam',
      '-name',
      'prime256v1',
      '-param_enc',
      'explicit',
      '-genkey',
      '-noout',
      '-out',
      key,
    ]);
    const explicit = (await run('openssl', ['req', '-new', '-key', key, '-subj', '/CN=explicit']))
      .stdout;
    const response = await enrol({ uri: CAROL, code: 'C4R0-L111', csr: explicit });
    const body = (await response.json()) as ErrorReply;

    expect(response.status).toBe(400);
    expect(body.code).toBe('ERR_ENROL_UNSUPPORTED_KEY');
  });

  it('certifies an RSA key for key transport', async () => {
    const rsa2048 = await requestFor(folder, 'rsa2048', [
      '-algorithm',
      'RSA',
      '-pkeyopt',
      'rsa_keygen_bits:2048',
    ]);
    const response = await enrol({ uri: CAROL, code: 'C4R0-L111', csr: rsa2048 });
    const body = (await response.json()) as { certificate: string };
    const text = await certificateText(body.certificate, folder);

    expect(response.status).toBe(200);
    expect(text).toContain('Digital Signature, Key Encipherment');
    expect(text).not.toContain('Key Agreement');
  });

  it('certifies a P-384 key for key agreement', async () => {
    const p384 = await requestFor(folder, 'p384', [
      '-algorithm',
      'EC',
      '-pkeyopt',
      'ec_paramgen_curve:P-384',
    ]);
    const response = await enrol({ uri: DAVE, code: 'D4VE-2222', csr: p384 });
    const body = (await response.json()) as { certificate: string };
    const text = await certificateText(body.certificate, folder);

    expect(response.status).toBe(200);
    expect(text).toContain('Digital Signature, Key Agreement');
    expect(text).not.toContain('Key Encipherment');
  });

  it('keeps a code after a few wrong codes', async () => {
    for (let attempt = 1; attempt < MAX_WRONG_CODES; attempt++) {
      const wrong = await enrol({ uri: FRANK, code: `WRNG-${String(attempt)}`, csr });
      expect(wrong.status).toBe(403);
    }
    const response = await enrol({ uri: FRANK, code: 'FRNK-4444', csr });

    expect(response.status).toBe(200);
  });

  it('locks a code, for twice as long the next time', async () => {
    const fail = async (times: number) => {
      for (let attempt = 1; attempt <= times; attempt++) {
        const wrong = await enrol({ uri: ERIN, code: `WRNG-${String(attempt)}`, csr });
        expect(wrong.status).toBe(403);
      }
    };
    await fail(MAX_WRONG_CODES);

    const locked = await enrol({ uri: ERIN, code: 'ER1N-3333', csr });
    clock += LOCKOUT_MS;
    await fail(MAX_WRONG_CODES);
    const lockedAgain = await enrol({ uri: ERIN, code: 'ER1N-3333', csr });
    clock += 2 * LOCKOUT_MS;
    const response = await enrol({ uri: ERIN, code: 'ER1N-3333', csr });

    expect(locked.status).toBe(429);
    expect(((await locked.json()) as ErrorReply).code).toBe('ERR_ENROL_LOCKED');
    expect(locked.headers.get('retry-after')).toBe(String(LOCKOUT_MS / 1000));
    expect(lockedAgain.status).toBe(429);
    expect(lockedAgain.headers.get('retry-after')).toBe(String((2 * LOCKOUT_MS) / 1000));
    expect(response.status).toBe(200);
  });

  it('rejects a request from a web page', async () => {
    const response = await fetch(`${server.url}/enrol`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Origin: 'https://attacker.example' },
      body: JSON.stringify({ uri: GRACE, code: 'GR4C-5555', csr }),
    });
    const body = (await response.json()) as ErrorReply;

    expect(response.status).toBe(403);
    expect(body.code).toBe('ERR_ENROL_ORIGIN');
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('rejects another host name', async () => {
    const { port } = new URL(server.url);
    const response = await rawRequest(server.url, {
      method: 'POST',
      path: '/enrol',
      headers: { Host: `rebound.attacker.example:${port}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ uri: GRACE, code: 'GR4C-5555', csr }),
    });

    expect(response.status).toBe(403);
    expect((JSON.parse(response.body) as ErrorReply).code).toBe('ERR_ENROL_HOST');
  });

  it('rejects a body that is not JSON', async () => {
    const response = await fetch(`${server.url}/enrol`, {
      method: 'POST',
      headers: { 'Content-Type': 'text/plain' },
      body: JSON.stringify({ uri: GRACE, code: 'GR4C-5555', csr }),
    });
    const body = (await response.json()) as ErrorReply;

    expect(response.status).toBe(415);
    expect(body.code).toBe('ERR_ENROL_CONTENT_TYPE');
  });

  it('allows no cross-origin preflight', async () => {
    const response = await fetch(`${server.url}/enrol`, {
      method: 'OPTIONS',
      headers: { Origin: 'https://attacker.example', 'Access-Control-Request-Method': 'POST' },
    });

    expect(response.status).toBe(404);
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    expect(response.headers.get('access-control-allow-headers')).toBeNull();
  });

  it('keeps a code after rejected browser requests', async () => {
    const response = await enrol({ uri: GRACE, code: 'GR4C-5555', csr });

    expect(response.status).toBe(200);
  });

  it('closes a connection that sends slowly', { timeout: 20_000 }, async () => {
    const { hostname, port } = new URL(server.url);
    const socket = connect(Number(port), hostname);
    const closed = new Promise<string>((resolve) => {
      let received = '';
      socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
      socket.on('close', () => resolve(received));
    });
    socket.write(
      `POST /enrol HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n` +
        'Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{',
    );
    // One byte every second keeps an idle-socket timeout from ever firing.
    const trickle = setInterval(() => socket.write(' '), 1000);
    const outcome = await Promise.race([
      closed,
      new Promise<string>((resolve) => setTimeout(() => resolve('still open'), 15_000)),
    ]);
    clearInterval(trickle);
    socket.destroy();

    expect(outcome).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('rejects an oversized body with 413', async () => {
    const response = await enrol({ uri: ALICE, code: 'K7Q2-PLM9', csr: 'x'.repeat(20_000) });
    const body = (await response.json()) as ErrorReply;

    expect(response.status).toBe(413);
    expect(body.code).toBe('ERR_ENROL_BODY_TOO_LARGE');
  });
});

/** Key options of `openssl genpkey` for a P-256 key. */
const P256 = ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'];

/** Starts the endpoint, sends one enrolment with `csr`, stops the endpoint and returns the status. */
async function enrolOnce(
  config: EnrolmentConfig,
  csr: string,
  code = 'K7Q2-PLM9',
): Promise<number> {
  const server = await startEnrolmentServer(config, pino({ level: 'silent' }));
  try {
    const response = await fetch(`${server.url}/enrol`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ uri: ALICE, code, csr }),
    });
    return response.status;
  } finally {
    await server.stop();
  }
}

describe('an enrolment endpoint restarted', () => {
  /** Returns a folder with a demo CA and an enrolment configuration with one code for alice. */
  async function setUp(code = 'K7Q2-PLM9') {
    const folder = await mkdtemp(join(tmpdir(), 'enrolment-restart-'));
    await createDemoPki({ folder, domain: 'mcptt.example', users: [], server: 'mcptt-server' });
    const config: EnrolmentConfig = {
      caCertificate: join(folder, 'ca.cert.pem'),
      caKey: join(folder, 'ca.key.pem'),
      codes: { [ALICE]: code },
    };
    return { folder, config };
  }

  it('rejects a code spent before the restart', async () => {
    const { folder, config } = await setUp();

    expect(await enrolOnce(config, await requestFor(folder, 'alice', P256))).toBe(200);

    // Anyone who learned the spent code could otherwise enrol a key of their own in alice's name.
    expect(await enrolOnce(config, await requestFor(folder, 'mallory', P256))).toBe(403);
  });

  it('keeps digests only, for the owner alone', async () => {
    const { folder, config } = await setUp();
    await enrolOnce(config, await requestFor(folder, 'alice', P256));
    const file = join(folder, SPENT_CODES_FILE);

    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await readFile(file, 'utf8')).not.toContain('K7Q2-PLM9');
  });

  it('accepts a new code of the same user', async () => {
    const { folder, config } = await setUp();
    await enrolOnce(config, await requestFor(folder, 'alice', P256));
    const renewed = { ...config, codes: { [ALICE]: 'R3NW-CODE' } };

    expect(await enrolOnce(renewed, await requestFor(folder, 'alice-2', P256), 'R3NW-CODE')).toBe(
      200,
    );
  });

  it('keeps a code whose request failed usable', async () => {
    const { folder, config } = await setUp();

    expect(await enrolOnce(config, 'not a certificate request')).toBe(400);
    expect(await enrolOnce(config, await requestFor(folder, 'alice', P256))).toBe(200);
  });

  it('does not start with an unreadable file', async () => {
    const { folder, config } = await setUp();
    await writeFile(join(folder, SPENT_CODES_FILE), '["not", "an", "object"]');

    await expect(startEnrolmentServer(config, pino({ level: 'silent' }))).rejects.toThrow(
      SPENT_CODES_FILE,
    );
  });
});

describe('an enrolment endpoint whose spent-codes file failed', () => {
  it('keeps the unspent code usable after a restart', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'enrolment-failed-write-'));
    await createDemoPki({ folder, domain: 'mcptt.example', users: [], server: 'mcptt-server' });
    const bob = 'sip:bob@mcptt.example';
    const config: EnrolmentConfig = {
      caCertificate: join(folder, 'ca.cert.pem'),
      caKey: join(folder, 'ca.key.pem'),
      codes: { [ALICE]: 'K7Q2-PLM9', [bob]: 'B0B0-B0B0' },
    };
    const file = join(folder, SPENT_CODES_FILE);
    const server = await startEnrolmentServer(config, pino({ level: 'silent' }));
    const enrol = (uri: string, code: string, csr: string) =>
      fetch(`${server.url}/enrol`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ uri, code, csr }),
      });
    try {
      // A folder in place of the file makes the rename of the temporary file fail.
      await mkdir(file);
      expect(
        (await enrol(ALICE, 'K7Q2-PLM9', await requestFor(folder, 'alice', P256))).status,
      ).toBe(500);
      await rmdir(file);
      expect((await enrol(bob, 'B0B0-B0B0', await requestFor(folder, 'bob', P256))).status).toBe(
        200,
      );
    } finally {
      await server.stop();
    }

    // alice's code issued nothing, so it must still work after the restart.
    expect(await enrolOnce(config, await requestFor(folder, 'alice-2', P256))).toBe(200);
  });
});

describe('an enrolment endpoint given an older code again', () => {
  it('rejects the first code after a second', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'enrolment-older-code-'));
    await createDemoPki({ folder, domain: 'mcptt.example', users: [], server: 'mcptt-server' });
    const config: EnrolmentConfig = {
      caCertificate: join(folder, 'ca.cert.pem'),
      caKey: join(folder, 'ca.key.pem'),
      codes: { [ALICE]: 'K7Q2-PLM9' },
    };
    const renewed = { ...config, codes: { [ALICE]: 'R3NW-CODE' } };
    expect(await enrolOnce(config, await requestFor(folder, 'alice', P256))).toBe(200);
    expect(await enrolOnce(renewed, await requestFor(folder, 'alice-2', P256), 'R3NW-CODE')).toBe(
      200,
    );

    // An old configuration put back, such as from a backup, must not revive its spent code.
    expect(await enrolOnce(config, await requestFor(folder, 'mallory', P256))).toBe(403);
  });

  it('rejects a file with a digest outside a list', async () => {
    // Skipping the entry would make alice's spent code usable again.
    const folder = await mkdtemp(join(tmpdir(), 'enrolment-odd-file-'));
    await createDemoPki({ folder, domain: 'mcptt.example', users: [], server: 'mcptt-server' });
    const config: EnrolmentConfig = {
      caCertificate: join(folder, 'ca.cert.pem'),
      caKey: join(folder, 'ca.key.pem'),
      codes: { [ALICE]: 'K7Q2-PLM9' },
    };
    const digest = createHash('sha256').update(`${ALICE}\nK7Q2-PLM9`, 'utf8').digest('base64');
    const file = join(folder, SPENT_CODES_FILE);
    await writeFile(file, JSON.stringify({ [ALICE]: digest }));

    await expect(startEnrolmentServer(config, pino({ level: 'silent' }))).rejects.toThrow(
      new TypeError(`${file}: the digests of ${ALICE} must be a list of strings`),
    );
  });

  it('names a spent-codes file that is not JSON', async () => {
    // A damaged file, such as one edited by hand, stops the start, and the error must name it
    // as loadConfig names a configuration file with invalid JSON.
    const folder = await mkdtemp(join(tmpdir(), 'enrolment-cut-file-'));
    await createDemoPki({ folder, domain: 'mcptt.example', users: [], server: 'mcptt-server' });
    const config: EnrolmentConfig = {
      caCertificate: join(folder, 'ca.cert.pem'),
      caKey: join(folder, 'ca.key.pem'),
      codes: { [ALICE]: 'K7Q2-PLM9' },
    };
    const file = join(folder, SPENT_CODES_FILE);
    await writeFile(file, `{"${ALICE}": ["`);

    const error = await startEnrolmentServer(config, pino({ level: 'silent' })).then(
      () => undefined,
      (reason: unknown) => reason as Error,
    );
    expect(error).toBeInstanceOf(SyntaxError);
    expect(error?.message).toContain(`${file}: invalid JSON at position `);
  });
});
