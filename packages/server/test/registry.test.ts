import { describe, expect, it } from 'vitest';
import type { GroupConfig, ServerConfig } from '../src/config.js';
import { Registry } from '../src/registry.js';

const ALICE = 'sip:alice@mcptt.example';
const DAVE = 'sip:dave@mcptt.example';
const GROUP: GroupConfig = { id: 'sip:fire@mcptt.example', displayName: 'Fire', members: [ALICE] };

function setUp() {
  const config: ServerConfig = {
    serverUri: 'sip:mcptt-server@mcptt.example',
    identity: { key: 'server.key.pem', certificate: 'server.cert.pem', trustAnchors: [] },
    users: [{ uri: ALICE }, { uri: DAVE }],
    groups: [GROUP],
  };
  let now = 1_000_000;
  const registry = new Registry(config, () => now);
  return { registry, advance: (ms: number) => (now += ms) };
}

describe('Registry authorisation', () => {
  it('lapses at the end of its lifetime', () => {
    const { registry, advance } = setUp();
    registry.authorise(ALICE, 60);
    expect(registry.isAuthorised(ALICE)).toBe(true);

    advance(59_999);
    expect(registry.isAuthorised(ALICE)).toBe(true);
    advance(1);
    expect(registry.isAuthorised(ALICE)).toBe(false);
  });

  it('lasts again from a refresh', () => {
    const { registry, advance } = setUp();
    registry.authorise(ALICE, 60);
    advance(50_000);
    registry.authorise(ALICE, 60);
    advance(50_000);

    expect(registry.isAuthorised(ALICE)).toBe(true);
  });
});

describe('Registry affiliation', () => {
  it('lapses at the end of its lifetime', () => {
    const { registry, advance } = setUp();
    expect(registry.affiliate(ALICE, [GROUP.id], 600)).toEqual([GROUP.id]);
    expect(registry.isAffiliated(ALICE, GROUP)).toBe(true);

    advance(599_999);
    expect(registry.isAffiliated(ALICE, GROUP)).toBe(true);
    advance(1);
    expect(registry.isAffiliated(ALICE, GROUP)).toBe(false);
  });

  it('lasts again from a refresh', () => {
    const { registry, advance } = setUp();
    registry.affiliate(ALICE, [GROUP.id], 600);
    advance(500_000);
    registry.affiliate(ALICE, [GROUP.id], 600);
    advance(500_000);

    expect(registry.isAffiliated(ALICE, GROUP)).toBe(true);
  });

  it('is withdrawn by a lifetime of 0', () => {
    const { registry } = setUp();
    registry.affiliate(ALICE, [GROUP.id], 600);

    expect(registry.affiliate(ALICE, [GROUP.id], 0)).toEqual([]);
    expect(registry.isAffiliated(ALICE, GROUP)).toBe(false);
  });

  it('ignores groups outside membership', () => {
    const { registry } = setUp();

    expect(registry.affiliate(DAVE, [GROUP.id, 'sip:unknown@mcptt.example'], 600)).toEqual([]);
    expect(registry.isAffiliated(DAVE, GROUP)).toBe(false);
  });

  it('ends with the authorisation withdrawn', () => {
    const { registry } = setUp();
    registry.authorise(ALICE, 3600);
    registry.affiliate(ALICE, [GROUP.id], 3600);
    registry.authorise(ALICE, 0);

    expect(registry.isAffiliated(ALICE, GROUP)).toBe(false);
  });
});

describe('Registry publication order', () => {
  it('applies publications signed in the same second or later', () => {
    const { registry } = setUp();

    expect(registry.applyPublication(ALICE, 'authorisation', 5_000, false)).toBe(true);
    expect(registry.applyPublication(ALICE, 'authorisation', 5_000, false)).toBe(true);
    expect(registry.applyPublication(ALICE, 'authorisation', 6_000, false)).toBe(true);
  });

  it('refuses an older one of the same kind and user only', () => {
    const { registry } = setUp();
    registry.applyPublication(ALICE, 'affiliation', 9_000, false);

    expect(registry.applyPublication(ALICE, 'affiliation', 8_000, false)).toBe(false);
    expect(registry.applyPublication(ALICE, 'authorisation', 8_000, false)).toBe(true);
    expect(registry.applyPublication(DAVE, 'affiliation', 8_000, false)).toBe(true);
  });

  it('orders affiliations after a withdrawal', () => {
    const { registry } = setUp();
    registry.applyPublication(ALICE, 'authorisation', 9_000, true);

    expect(registry.applyPublication(ALICE, 'affiliation', 8_000, false)).toBe(false);
    expect(registry.applyPublication(ALICE, 'affiliation', 9_000, false)).toBe(true);
  });

  it('keeps the later mark when a refusal comes between', () => {
    const { registry } = setUp();
    registry.applyPublication(ALICE, 'authorisation', 9_000, false);
    registry.applyPublication(ALICE, 'authorisation', 7_000, false);

    expect(registry.applyPublication(ALICE, 'authorisation', 8_000, false)).toBe(false);
  });
});
