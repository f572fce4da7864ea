import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseConfig, type GroupConfig, type ServerConfig } from '../src/config.js';
import { MAX_LIFETIME_SECONDS, Registry } from '../src/registry.js';

const ALICE = 'sip:alice@mcptt.example';
const DAVE = 'sip:dave@mcptt.example';
const GROUP: GroupConfig = { id: 'sip:fire@mcptt.example', displayName: 'Fire', members: [ALICE] };

function setUp() {
  const config: ServerConfig = {
    serverUri: 'sip:mcptt-server@mcptt.example',
    identity: {
      key: 'server.key.pem',
      certificate: 'server.cert.pem',
      trustAnchors: ['ca.cert.pem'],
    },
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

describe('Registry snapshot', () => {
  const CERTIFICATE = new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x05]);
  const INTERMEDIATE = new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x07]);

  /** Returns a registry with alice authorised, affiliated, with a certificate and publications. */
  function populated() {
    const set = setUp();
    set.registry.applyPublication(ALICE, 'authorisation', 900_000, false);
    set.registry.applyPublication(ALICE, 'affiliation', 950_000, false);
    set.registry.authorise(ALICE, 3600);
    set.registry.affiliate(ALICE, [GROUP.id], 600);
    set.registry.setCertificate(ALICE, CERTIFICATE, [INTERMEDIATE]);
    return set;
  }

  /** A snapshot after a JSON round trip, as the state file stores it. */
  const stored = (registry: Registry): unknown => JSON.parse(JSON.stringify(registry.snapshot()));

  it('restores authorisation, affiliation and certificate', () => {
    const { registry } = populated();
    const restarted = setUp().registry;

    const restored = restarted.restore(stored(registry));

    expect(restored).toEqual([
      [ALICE, { certificate: CERTIFICATE, intermediates: [INTERMEDIATE] }],
    ]);
    expect(restarted.isAuthorised(ALICE)).toBe(true);
    expect(restarted.isAffiliated(ALICE, GROUP)).toBe(true);
    expect(restarted.certificate(ALICE)).toEqual(CERTIFICATE);
    expect(restarted.certificates()[0]?.[1].intermediates).toEqual([INTERMEDIATE]);
    expect(restarted.isAuthorised(DAVE)).toBe(false);
  });

  it('keeps the order of publications', () => {
    const { registry } = populated();
    const restarted = setUp().registry;
    restarted.restore(stored(registry));

    // A publication signed before the latest one applied must not undo it after a restart.
    expect(restarted.applyPublication(ALICE, 'authorisation', 899_999, true)).toBe(false);
    expect(restarted.applyPublication(ALICE, 'affiliation', 949_999, false)).toBe(false);
    expect(restarted.applyPublication(ALICE, 'affiliation', 950_001, false)).toBe(true);
  });

  it('leaves out lapsed entries', () => {
    const { registry, advance } = populated();
    advance(600_000);
    const snapshot = registry.snapshot();
    const restarted = setUp();
    restarted.advance(600_000);

    restarted.registry.restore(JSON.parse(JSON.stringify(snapshot)));

    expect(snapshot.users[0]?.affiliation).toBeUndefined();
    expect(restarted.registry.isAuthorised(ALICE)).toBe(true);
    expect(restarted.registry.isAffiliated(ALICE, GROUP)).toBe(false);
  });

  it('drops lapses that passed while stopped', () => {
    const { registry } = populated();
    const restarted = setUp();
    restarted.advance(3_600_000);

    restarted.registry.restore(stored(registry));

    expect(restarted.registry.isAuthorised(ALICE)).toBe(false);
    expect(restarted.registry.isAffiliated(ALICE, GROUP)).toBe(false);
  });

  it('skips users and groups no longer configured', () => {
    const { registry } = populated();
    const config: ServerConfig = {
      serverUri: 'sip:mcptt-server@mcptt.example',
      identity: {
        key: 'server.key.pem',
        certificate: 'server.cert.pem',
        trustAnchors: ['ca.cert.pem'],
      },
      users: [{ uri: DAVE }],
      groups: [{ ...GROUP, members: [DAVE] }],
    };
    const restarted = new Registry(config, () => 1_000_000);

    expect(restarted.restore(stored(registry))).toEqual([]);
    expect(restarted.certificates()).toEqual([]);
    expect(restarted.isAuthorised(ALICE)).toBe(false);
  });

  it('drops restored publication times ahead', () => {
    const { registry } = setUp();
    registry.applyPublication(ALICE, 'authorisation', 9_000_000_000, false);
    registry.applyPublication(ALICE, 'affiliation', 1_000_000, false);
    const restarted = setUp().registry;

    restarted.restore(stored(registry), 1_000_000);

    expect(restarted.applyPublication(ALICE, 'authorisation', 1, false)).toBe(true);
    expect(restarted.applyPublication(ALICE, 'affiliation', 999_999, false)).toBe(false);
  });

  it('caps restored lapse times at the longest lifetime', () => {
    const { registry } = setUp();
    registry.authorise(ALICE, 10 * MAX_LIFETIME_SECONDS);
    registry.affiliate(ALICE, [GROUP.id], 10 * MAX_LIFETIME_SECONDS);
    const restarted = setUp();

    restarted.registry.restore(stored(registry));
    restarted.advance(MAX_LIFETIME_SECONDS * 1000);

    expect(restarted.registry.isAuthorised(ALICE)).toBe(false);
    expect(restarted.registry.isAffiliated(ALICE, GROUP)).toBe(false);
  });

  it('rejects a snapshot that names a user twice', () => {
    const { registry } = populated();
    const snapshot = registry.snapshot();
    const again = ALICE.replace('mcptt.example', 'MCPTT.EXAMPLE');
    const twice = { ...snapshot, users: [...snapshot.users, { uri: again }] };
    const restarted = setUp().registry;

    expect(() => restarted.restore(twice)).toThrow(
      new TypeError(`snapshot.users[1].uri repeats ${again}`),
    );
    expect(restarted.isAuthorised(ALICE)).toBe(false);
  });

  describe('with a configured certificate', () => {
    const CONFIGURED = new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x01]);
    const REPLACED = new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x02]);

    /** Returns a snapshot of a registry that configured CONFIGURED and then learned CERTIFICATE. */
    function learnedAfterConfigured(): unknown {
      const { registry } = setUp();
      registry.configureCertificate(ALICE, CONFIGURED);
      registry.setCertificate(ALICE, CERTIFICATE, [INTERMEDIATE]);
      return stored(registry);
    }

    it('keeps a certificate learned after it', () => {
      const restarted = setUp().registry;
      restarted.configureCertificate(ALICE, CONFIGURED.slice());

      const restored = restarted.restore(learnedAfterConfigured());

      expect(restarted.certificate(ALICE)).toEqual(CERTIFICATE);
      expect(restored).toEqual([
        [ALICE, { certificate: CERTIFICATE, intermediates: [INTERMEDIATE] }],
      ]);
    });

    it('takes a configured certificate that the operator replaced', () => {
      const restarted = setUp().registry;
      restarted.configureCertificate(ALICE, REPLACED);

      const restored = restarted.restore(learnedAfterConfigured());

      expect(restarted.certificate(ALICE)).toEqual(REPLACED);
      expect(restored).toEqual([]);
    });

    it('keeps the stored certificate of an unlabelled snapshot', () => {
      // A snapshot written before it recorded the configured certificate.
      const unlabelled = {
        version: 1,
        users: [{ uri: ALICE, certificate: Buffer.from(CERTIFICATE).toString('base64') }],
      };
      const restarted = setUp().registry;
      restarted.configureCertificate(ALICE, CONFIGURED);

      restarted.restore(unlabelled);

      expect(restarted.certificate(ALICE)).toEqual(CERTIFICATE);
    });

    it('drops the stored copy of a removed configured certificate', () => {
      const { registry } = setUp();
      registry.configureCertificate(ALICE, CONFIGURED);
      const restarted = setUp().registry;

      expect(restarted.restore(stored(registry))).toEqual([]);
      expect(restarted.certificate(ALICE)).toBeUndefined();
    });

    it('keeps a learned certificate after the configured one was removed', () => {
      const restarted = setUp().registry;

      restarted.restore(learnedAfterConfigured());

      expect(restarted.certificate(ALICE)).toEqual(CERTIFICATE);
    });

    it('takes an added configured certificate', () => {
      // A snapshot written while the user had no configured certificate.
      const { registry } = setUp();
      registry.setCertificate(ALICE, CERTIFICATE);
      const restarted = setUp().registry;
      restarted.configureCertificate(ALICE, CONFIGURED);

      expect(restarted.restore(stored(registry))).toEqual([]);
      expect(restarted.certificate(ALICE)).toEqual(CONFIGURED);
    });

    it('records a digest, not the configured certificate', () => {
      const { registry } = setUp();
      registry.configureCertificate(ALICE, CONFIGURED);

      const [user] = registry.snapshot().users;

      expect(user?.configuredSha256).toBe(createHash('sha256').update(CONFIGURED).digest('base64'));
    });
  });

  it.each([
    ['not an object', 'text', 'snapshot must be an object'],
    ['another version', { version: 2, users: [] }, 'snapshot.version must be 1'],
    ['users missing', { version: 1 }, 'snapshot.users must be an array'],
    ['a URI missing', { version: 1, users: [{}] }, 'snapshot.users[0].uri must be a string'],
    [
      'a time as text',
      { version: 1, users: [{ uri: ALICE, authorisedUntil: '2030' }] },
      'snapshot.users[0].authorisedUntil must be a time in ms',
    ],
    [
      'groups not strings',
      { version: 1, users: [{ uri: ALICE, affiliation: { groups: [1], until: 2e6 } }] },
      'snapshot.users[0].affiliation.groups must be an array of strings',
    ],
    [
      'a certificate not base64',
      { version: 1, users: [{ uri: ALICE, certificate: '%%%' }] },
      'snapshot.users[0].certificate must be base64',
    ],
    [
      'a configured digest not SHA-256',
      { version: 1, users: [{ uri: ALICE, configuredSha256: 'AAAA' }] },
      'snapshot.users[0].configuredSha256 must be a SHA-256 digest in base64',
    ],
  ])('rejects a snapshot with %s', (_name, snapshot, message) => {
    const { registry } = setUp();
    const valid = { uri: DAVE, authorisedUntil: 2_000_000 };
    const withValidFirst =
      typeof snapshot === 'object' && Array.isArray((snapshot as { users?: unknown }).users)
        ? { ...snapshot, users: [valid, ...(snapshot as { users: unknown[] }).users] }
        : snapshot;

    expect(() => registry.restore(snapshot)).toThrow(new TypeError(message));
    // Nothing is applied, not even the valid entries before the invalid one.
    expect(() => registry.restore(withValidFirst)).toThrow(TypeError);
    expect(registry.isAuthorised(DAVE)).toBe(false);
  });

  it('reports each change', () => {
    const { registry } = setUp();
    let changes = 0;
    registry.onChange = () => (changes += 1);

    registry.authorise(ALICE, 60);
    registry.affiliate(ALICE, [GROUP.id], 60);
    registry.setCertificate(ALICE, CERTIFICATE);
    registry.applyPublication(ALICE, 'affiliation', 1, false);

    expect(changes).toBe(4);
  });

  it('reports no change for the same certificate', () => {
    const { registry } = setUp();
    let changes = 0;
    registry.onChange = () => (changes += 1);

    // Each signed request stores its signer's certificate, which is mostly the stored one.
    registry.setCertificate(ALICE, CERTIFICATE, [INTERMEDIATE]);
    registry.setCertificate(ALICE, CERTIFICATE.slice(), [INTERMEDIATE.slice()]);
    registry.setCertificate(ALICE, CERTIFICATE.slice(), []);

    expect(changes).toBe(2);
    expect(registry.certificates()[0]?.[1].intermediates).toEqual([]);
  });
});

describe('stateFile configuration', () => {
  const base = {
    serverUri: 'sip:mcptt-server@mcptt.example',
    identity: { key: 'k.pem', certificate: 'c.pem', trustAnchors: ['ca.cert.pem'] },
    users: [],
    groups: [],
  };

  it('resolves the path from the folder of the file', () => {
    expect(parseConfig({ ...base, stateFile: 'state/registry.json' }, '/srv/mcptt').stateFile).toBe(
      '/srv/mcptt/state/registry.json',
    );
    expect(parseConfig(base, '/srv/mcptt').stateFile).toBeUndefined();
  });

  it('rejects a path that is not a string', () => {
    expect(() => parseConfig({ ...base, stateFile: 1 }, '/srv/mcptt')).toThrow(/stateFile/);
  });
});
