import { describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config.js';

const SERVER = 'sip:mcptt-server@mcptt.example';
const ALICE = 'sip:alice@mcptt.example';

const BASE = {
  serverUri: SERVER,
  identity: { key: 'k.pem', certificate: 'c.pem', trustAnchors: ['ca.cert.pem'] },
  users: [{ uri: ALICE }, { uri: 'sip:alice@mcptt.example:5060' }],
  groups: [{ id: 'sip:engine-1@mcptt.example', displayName: 'Engine 1', members: [ALICE] }],
};

/** Returns the configuration with an enrolment section of the given codes and settings. */
function withEnrolment(codes: Record<string, unknown>, settings: object = {}): object {
  return {
    ...BASE,
    enrolment: { caCertificate: 'ca.cert.pem', caKey: 'ca.key.pem', codes, ...settings },
  };
}

describe('enrolment configuration', () => {
  it('reads the codes of configured users', () => {
    const config = parseConfig(withEnrolment({ [ALICE]: 'K7Q2-PLM9' }), '/tmp');

    expect(config.enrolment?.codes).toEqual({ [ALICE]: 'K7Q2-PLM9' });
  });

  it.each([
    ['the server', { [SERVER]: 'K7Q2-PLM9' }],
    ['a group', { 'sip:engine-1@mcptt.example': 'K7Q2-PLM9' }],
    ['an unknown user', { 'sip:mallory@mcptt.example': 'K7Q2-PLM9' }],
    ['one user twice', { [ALICE]: 'K7Q2-PLM9', 'sip:alice@MCPTT.EXAMPLE': 'K7Q2-PLM8' }],
    ['a URI with a port', { 'sip:alice@mcptt.example:5060': 'K7Q2-PLM9' }],
  ])('rejects a code for %s', (_case, codes) => {
    const config = withEnrolment(codes);

    expect(() => parseConfig(config, '/tmp')).toThrow(TypeError);
    expect(() => parseConfig(config, '/tmp')).toThrow(/^enrolment\.codes/);
  });

  it('rejects a code for the server listed as a user', () => {
    const config = {
      ...withEnrolment({ [SERVER]: 'K7Q2-PLM9' }),
      users: [...BASE.users, { uri: SERVER }],
    };

    expect(() => parseConfig(config, '/tmp')).toThrow(TypeError);
    expect(() => parseConfig(config, '/tmp')).toThrow(/^enrolment\.codes/);
  });

  it('rejects a short code', () => {
    const config = withEnrolment({ [ALICE]: '1234' });

    expect(() => parseConfig(config, '/tmp')).toThrow(TypeError);
    expect(() => parseConfig(config, '/tmp')).toThrow(/^enrolment\.codes/);
  });

  it.each([
    [{ port: 65_536 }, /^enrolment\.port/],
    [{ validityDays: 0 }, /^enrolment\.validityDays/],
    [{ validityDays: 3651 }, /^enrolment\.validityDays/],
    [{ validityDays: 1e21 }, /^enrolment\.validityDays/],
  ])('rejects enrolment settings %j', (settings, field) => {
    const config = withEnrolment({ [ALICE]: 'K7Q2-PLM9' }, settings);

    expect(() => parseConfig(config, '/tmp')).toThrow(TypeError);
    expect(() => parseConfig(config, '/tmp')).toThrow(field);
  });

  it.each([0, 3651, 1.5, '30'])('names the validity range for %j', (validityDays) => {
    const config = withEnrolment({ [ALICE]: 'K7Q2-PLM9' }, { validityDays });

    expect(() => parseConfig(config, '/tmp')).toThrow(
      new TypeError('enrolment.validityDays: expected 1 to 3650 days'),
    );
  });

  it('reads the port and the validity', () => {
    const config = parseConfig(
      withEnrolment({ [ALICE]: 'K7Q2-PLM9' }, { port: 65_535, validityDays: 3650 }),
      '/tmp',
    );

    expect(config.enrolment?.port).toBe(65_535);
    expect(config.enrolment?.validityDays).toBe(3650);
  });
});
