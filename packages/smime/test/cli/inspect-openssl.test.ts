/**
 * `inspect` on messages that the openssl command made: the structure it prints needs no key, so
 * it reaches inside opaque signatures and names every recipient kind.
 */
import { beforeAll, describe, expect, it } from 'vitest';

import { formatInspected, inspectMessage } from '../../src/cli/inspect-command.js';
import { mcpttInfo, mcpttInfoMessage } from '../smime/messages.js';
import { innerMcpttInfo, opensslProtect, wrapInMessage } from '../smime/openssl-peer.js';
import type { OpensslStep } from '../smime/openssl-peer.js';
import { getTestPki } from '../smime/test-pki.js';
import type { CredentialFiles, TestPki } from '../smime/test-pki.js';

let pki: TestPki;
beforeAll(async () => {
  pki = await getTestPki();
});

function files(name: string): CredentialFiles {
  const found = pki.files[name];
  if (found === undefined) throw new TypeError(`no test credentials named ${name}`);
  return found;
}

/** Returns the lines of `inspect` for the openssl message made by `steps`. */
function inspectLines(steps: readonly OpensslStep[]): string[] {
  const smime = opensslProtect(innerMcpttInfo(mcpttInfo()), steps);
  const text = formatInspected(inspectMessage(wrapInMessage(mcpttInfoMessage(), smime)));
  return text.split('\n').map((line) => line.trim());
}

/** Returns the lines of `inspect` for an openssl envelope to the server, with extra `args`. */
function envelopeLines(cipher: string, args: readonly string[] = []): string[] {
  return inspectLines([{ op: 'encrypt', recipient: files('server'), cipher, args }]);
}

describe('inspect of openssl messages', () => {
  it('reads inside an opaque signature', () => {
    const lines = inspectLines([
      { op: 'encrypt', recipient: files('server'), cipher: 'aes-256-gcm' },
      { op: 'sign', signer: files('alice'), opaque: true },
    ]);

    const signed = lines.findIndex((line) => line.startsWith('CMS signedData'));
    const envelope = lines.findIndex((line) => line.startsWith('CMS authEnvelopedData'));
    expect(lines).toContainEqual(expect.stringMatching(/^encapsulated content data, \d+ bytes$/));
    expect(signed).toBeGreaterThan(0);
    expect(envelope).toBeGreaterThan(signed);
    expect(lines[envelope + 1]).toMatch(/^recipient kari ecdh-es-sha1-aes256-wrap serial /);
  });

  it('names the cofactor ECDH scheme', () => {
    const lines = envelopeLines('aes-256-gcm', ['-keyopt', 'ecdh_cofactor_mode:1']);

    expect(lines).toContainEqual(
      expect.stringMatching(/^recipient kari ecdh-es-cofactor-sha1-aes256-wrap serial /),
    );
  });

  it('describes KEK and password recipients', () => {
    const kek = ['-secretkey', '000102030405060708090a0b0c0d0e0f', '-secretkeyid', '0a0b'];
    const withKek = inspectLines([
      { op: 'encrypt', recipient: files('server'), cipher: 'aes-128-gcm', args: kek },
    ]);
    const withPassword = inspectLines([
      {
        op: 'encrypt',
        recipient: files('server'),
        cipher: 'aes-128-cbc',
        args: ['-pwri_password', 'test-password'],
      },
    ]);

    expect(withKek).toContain('recipient kekri aes128-wrap kekid 0a0b');
    expect(withPassword).toContain('recipient pwri pbkdf2 pwri-kek');
  });

  it('names algorithms that unprotect rejects', () => {
    const aes192 = envelopeLines('aes-192-cbc');
    const tripleDes = envelopeLines('des3');
    const sha224 = inspectLines([
      { op: 'encrypt', recipient: files('server'), cipher: 'aes-192-gcm' },
      { op: 'sign', signer: files('alice'), opaque: true, args: ['-md', 'sha224'] },
    ]);
    const paddedWrap = envelopeLines('aes-256-gcm', ['-wrap', 'id-aes256-wrap-pad']);

    expect(aes192).toContainEqual(
      expect.stringMatching(/^CMS envelopedData \(\d+ bytes, aes-192-cbc\)$/),
    );
    expect(tripleDes).toContainEqual(
      expect.stringMatching(/^CMS envelopedData \(\d+ bytes, des-ede3-cbc\)$/),
    );
    expect(sha224).toContainEqual(
      expect.stringMatching(/^signer serial \w+ ecdsa-with-SHA224 sha-224 at /),
    );
    expect(sha224).toContainEqual(
      expect.stringMatching(/^CMS authEnvelopedData \(\d+ bytes, aes-192-gcm\)$/),
    );
    expect(paddedWrap).toContainEqual(
      expect.stringMatching(/^recipient kari ecdh-es-sha1-aes256-wrap-pad serial /),
    );
  });
});
