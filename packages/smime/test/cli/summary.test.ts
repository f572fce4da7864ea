/** The one-line summary that `unprotect` writes to standard error after a success. */
import { describe, expect, it } from 'vitest';

import { formatSummary } from '../../src/cli/unprotect-command.js';
import type { SecurityInfo } from '../../src/smime/security.js';

const SIGNED: SecurityInfo = {
  protected: true,
  encrypted: true,
  signed: true,
  signerUri: 'sip:alice@example.org',
  signerCertificate: undefined,
  signerIntermediates: [],
  algorithms: { smimeType: 'authEnveloped-data', contentEncryption: 'aes-256-gcm' },
  protectedParts: ['application/vnd.3gpp.mcptt-info+xml'],
  protectedHeaders: [],
  sdpBound: false,
  order: 'sign-then-encrypt',
};

describe('formatSummary', () => {
  it('names the signer and the envelope', () => {
    expect(formatSummary(SIGNED)).toBe(
      'verified: signed by sip:alice@example.org, authEnveloped-data aes-256-gcm',
    );
  });

  it('prints compact header names in their long form', () => {
    const security = {
      ...SIGNED,
      protectedHeaders: [
        { name: 'i', value: 'call-1' },
        { name: 'f', value: '<sip:alice@example.org>;tag=1' },
        { name: 'Answer-Mode', value: 'Auto' },
      ],
    };

    expect(formatSummary(security)).toBe(
      'verified: signed by sip:alice@example.org, authEnveloped-data aes-256-gcm, ' +
        'signed headers Call-ID From Answer-Mode',
    );
  });

  it('claims no verification for an unsigned envelope', () => {
    const security = { ...SIGNED, signed: false, signerUri: undefined, order: undefined };

    expect(formatSummary(security)).toBe('opened: not signed, authEnveloped-data aes-256-gcm');
  });
});
