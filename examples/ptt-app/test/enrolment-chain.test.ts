import { describe, expect, it } from 'vitest';
import { base64Encode } from '@mcptt-smime/smime';
import { enrolmentChain } from '../src/keystore-identities.js';

/** Returns a PEM block around `der`, which the chain reader only decodes. */
function pem(der: Uint8Array): string {
  return `-----BEGIN CERTIFICATE-----\n${base64Encode(der, 64)}\n-----END CERTIFICATE-----\n`;
}

const ROOT = Uint8Array.of(0x30, 0x03, 0x02, 0x01, 0x01);
const INTERMEDIATE = Uint8Array.of(0x30, 0x03, 0x02, 0x01, 0x02);

describe('enrolmentChain', () => {
  it('keeps an intermediate issuing CA', () => {
    const issued = { certificate: 'unused', caCertificate: pem(INTERMEDIATE) };

    expect(enrolmentChain(issued, [ROOT])).toEqual([INTERMEDIATE]);
  });

  it('leaves out an issuing CA that is a trust anchor', () => {
    const issued = { certificate: 'unused', caCertificate: pem(ROOT) };

    expect(enrolmentChain(issued, [ROOT])).toEqual([]);
  });

  it('returns nothing without an issuing CA', () => {
    expect(enrolmentChain({ certificate: 'unused' }, [ROOT])).toEqual([]);
  });
});
