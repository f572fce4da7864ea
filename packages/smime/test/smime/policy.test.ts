import { describe, expect, it } from 'vitest';

import { parseContentType } from '../../src/mime/content-type.js';
import { createProtectionPolicy, defaultProtectionPolicy } from '../../src/smime/policy.js';

const sdp = parseContentType('application/sdp');
const info = parseContentType('application/vnd.3gpp.mcptt-info+xml');
const pidf = parseContentType('application/pidf+xml');

describe('protection policy', () => {
  it('keeps only SDP in clear by default', () => {
    for (const method of ['INVITE', 'REGISTER', 'PUBLISH', 'MESSAGE']) {
      expect(defaultProtectionPolicy.isSensitive(sdp, method)).toBe(false);
      expect(defaultProtectionPolicy.isSensitive(info, method)).toBe(true);
    }
  });

  it('applies per-method lists', () => {
    const policy = createProtectionPolicy({
      clearTypesByMethod: { publish: ['application/sdp', 'application/pidf+xml'], MESSAGE: [] },
    });

    expect(policy.isSensitive(pidf, 'PUBLISH')).toBe(false);
    expect(policy.isSensitive(pidf, 'INVITE')).toBe(true);
    expect(policy.isSensitive(sdp, 'MESSAGE')).toBe(true);
  });

  it('rejects invalid media types', () => {
    expect(() => createProtectionPolicy({ clearTypes: ['sdp'] })).toThrow(TypeError);
  });
});
