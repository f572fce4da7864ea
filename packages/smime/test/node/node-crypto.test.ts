import { webcrypto } from 'node:crypto';
import { describe, expect, it } from 'vitest';

import { createNodeCrypto } from '../../src/node/node-crypto.js';

const native = webcrypto.subtle as SubtleCrypto;
const engine = createNodeCrypto();
const { subtle } = engine;

const bytes = (length: number, seed = 1) =>
  Uint8Array.from({ length }, (_, index) => (index * 31 + seed) & 0xff);
const hex = (buffer: ArrayBuffer) => Buffer.from(buffer).toString('hex');

/** Asserts that `promise` rejects with a DOMException of this name. */
async function rejectsWith(promise: Promise<unknown>, name: string) {
  const error: unknown = await promise.then(
    () => undefined,
    (cause: unknown) => cause,
  );
  expect(error).toBeInstanceOf(DOMException);
  expect((error as DOMException).name).toBe(name);
}

/** Asserts that both promises reject with a DOMException of the same name: Node's own names vary. */
async function rejectsAsNative(ours: Promise<unknown>, theirs: Promise<unknown>) {
  // Both promises get their handlers at once, so that neither rejection goes unhandled.
  const [our, their] = await Promise.allSettled([ours, theirs]);
  expect(their.status).toBe('rejected');
  expect(our.status).toBe('rejected');
  const theirError: unknown = their.status === 'rejected' ? their.reason : undefined;
  const ourError: unknown = our.status === 'rejected' ? our.reason : undefined;
  expect(ourError).toBeInstanceOf(DOMException);
  expect((ourError as DOMException).name).toBe((theirError as DOMException).name);
}

function ecdsaPair(namedCurve: string) {
  return native.generateKey({ name: 'ECDSA', namedCurve }, false, ['sign', 'verify']);
}

function ecdhPair(namedCurve: string) {
  return native.generateKey({ name: 'ECDH', namedCurve }, false, ['deriveBits']);
}

function aesKey(name: string, length: number, usages: KeyUsage[], extractable = false) {
  return native.generateKey({ name, length }, extractable, usages);
}

describe('createNodeCrypto: digest', () => {
  for (const hash of ['SHA-256', 'SHA-384', 'SHA-512']) {
    it(`matches WebCrypto for ${hash} at several sizes`, async () => {
      for (const size of [0, 1, 55, 64, 100, 2048]) {
        const data = bytes(size);
        expect(hex(await subtle.digest(hash, data))).toBe(hex(await native.digest(hash, data)));
        expect(hex(await subtle.digest({ name: hash }, data.buffer))).toBe(
          hex(await native.digest(hash, data)),
        );
      }
    });
  }

  it('reads only the bytes of a view', async () => {
    const whole = bytes(64);
    const view = whole.subarray(8, 40);
    expect(hex(await subtle.digest('SHA-256', view))).toBe(
      hex(await native.digest('SHA-256', view.slice())),
    );
  });

  it('returns an unpooled ArrayBuffer', async () => {
    const digest = await subtle.digest('SHA-256', bytes(10));
    expect(digest.byteLength).toBe(32);
  });

  it('passes other names and algorithms on', async () => {
    expect(hex(await subtle.digest('sha-256', bytes(10)))).toBe(
      hex(await native.digest('SHA-256', bytes(10))),
    );
    expect(hex(await subtle.digest('SHA-1', bytes(10)))).toBe(
      hex(await native.digest('SHA-1', bytes(10))),
    );
    await rejectsWith(subtle.digest('MD5', bytes(10)), 'NotSupportedError');
  });
});

describe('createNodeCrypto: ECDSA', () => {
  for (const [namedCurve, hash] of [
    ['P-256', 'SHA-256'],
    ['P-384', 'SHA-384'],
    ['P-256', 'SHA-512'],
  ] as const) {
    it(`signs and verifies, ${namedCurve}, ${hash}`, async () => {
      const pair = await ecdsaPair(namedCurve);
      const data = bytes(110);
      const params = { name: 'ECDSA', hash };

      const ours = await subtle.sign(params, pair.privateKey, data);
      expect(ours.byteLength).toBe(namedCurve === 'P-256' ? 64 : 96);
      expect(await native.verify(params, pair.publicKey, ours, data)).toBe(true);

      const theirs = await native.sign(params, pair.privateKey, data);
      expect(await subtle.verify(params, pair.publicKey, theirs, data)).toBe(true);
    });
  }

  it('returns false for altered input', async () => {
    const pair = await ecdsaPair('P-256');
    const params = { name: 'ECDSA', hash: 'SHA-256' };
    const data = bytes(110);
    const signature = new Uint8Array(await subtle.sign(params, pair.privateKey, data));

    expect(await subtle.verify(params, pair.publicKey, signature, bytes(110, 2))).toBe(false);
    const flipped = signature.slice();
    flipped[10] = (flipped[10] ?? 0) ^ 1;
    expect(await subtle.verify(params, pair.publicKey, flipped, data)).toBe(false);
    expect(await subtle.verify(params, pair.publicKey, signature.subarray(0, 63), data)).toBe(
      false,
    );
    expect(await subtle.verify(params, pair.publicKey, new Uint8Array(64), data)).toBe(false);
    expect(await subtle.verify(params, pair.publicKey, new Uint8Array(64).fill(0xff), data)).toBe(
      false,
    );
  });

  it('keeps the key usages and types of WebCrypto', async () => {
    const params = { name: 'ECDSA', hash: 'SHA-256' };
    const pair = await native.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
      'sign',
      'verify',
    ]);
    const noUsage = await native.importKey(
      'spki',
      await native.exportKey('spki', pair.publicKey),
      { name: 'ECDSA', namedCurve: 'P-256' },
      false,
      [],
    );
    const signature = await subtle.sign(params, pair.privateKey, bytes(8));
    await rejectsWith(subtle.verify(params, noUsage, signature, bytes(8)), 'InvalidAccessError');
    await rejectsWith(subtle.sign(params, pair.publicKey, bytes(8)), 'InvalidAccessError');
    await rejectsWith(
      subtle.verify(params, pair.privateKey, new Uint8Array(64), bytes(8)),
      'InvalidAccessError',
    );
  });
});

describe('createNodeCrypto: ECDH', () => {
  for (const namedCurve of ['P-256', 'P-384']) {
    it(`derives the same bits as WebCrypto on ${namedCurve}`, async () => {
      const alice = await ecdhPair(namedCurve);
      const bob = await ecdhPair(namedCurve);
      const fieldBits = namedCurve === 'P-256' ? 256 : 384;
      for (const length of [fieldBits, 128, null]) {
        const ours = await subtle.deriveBits(
          { name: 'ECDH', public: bob.publicKey },
          alice.privateKey,
          length,
        );
        const theirs = await native.deriveBits(
          { name: 'ECDH', public: alice.publicKey },
          bob.privateKey,
          length,
        );
        expect(hex(ours)).toBe(hex(theirs));
      }
    });
  }

  it('passes partial-byte lengths to WebCrypto', async () => {
    const alice = await ecdhPair('P-256');
    const bob = await ecdhPair('P-256');
    const ours = await subtle.deriveBits(
      { name: 'ECDH', public: bob.publicKey },
      alice.privateKey,
      12,
    );
    const theirs = await native.deriveBits(
      { name: 'ECDH', public: bob.publicKey },
      alice.privateKey,
      12,
    );
    expect(hex(ours)).toBe(hex(theirs));
  });

  it('rejects mismatched keys and lengths', async () => {
    const p256 = await ecdhPair('P-256');
    const p384 = await ecdhPair('P-384');
    await rejectsWith(
      subtle.deriveBits({ name: 'ECDH', public: p384.publicKey }, p256.privateKey, 256),
      'InvalidAccessError',
    );
    await rejectsWith(
      subtle.deriveBits({ name: 'ECDH', public: p256.publicKey }, p256.publicKey, 256),
      'InvalidAccessError',
    );
    await rejectsWith(
      subtle.deriveBits({ name: 'ECDH', public: p256.publicKey }, p256.privateKey, 512),
      'OperationError',
    );
  });
});

describe('createNodeCrypto: AES-GCM', () => {
  for (const length of [128, 256]) {
    it(`encrypts and decrypts, ${length}-bit key`, async () => {
      const key = await aesKey('AES-GCM', length, ['encrypt', 'decrypt']);
      const iv = bytes(12, 7);
      const data = bytes(1500);
      for (const additionalData of [undefined, bytes(40, 3)]) {
        const params: AesGcmParams = { name: 'AES-GCM', iv };
        if (additionalData !== undefined) params.additionalData = additionalData;

        const ours = await subtle.encrypt(params, key, data);
        expect(hex(ours)).toBe(hex(await native.encrypt(params, key, data)));
        expect(hex(await native.decrypt(params, key, ours))).toBe(hex(data.buffer));
        expect(hex(await subtle.decrypt({ ...params, tagLength: 128 }, key, ours))).toBe(
          hex(data.buffer),
        );
      }
    });
  }

  it('rejects altered input with OperationError', async () => {
    const key = await aesKey('AES-GCM', 256, ['encrypt', 'decrypt']);
    const iv = bytes(12, 7);
    const additionalData = bytes(20, 5);
    const sealed = new Uint8Array(
      await subtle.encrypt({ name: 'AES-GCM', iv, additionalData }, key, bytes(300)),
    );
    for (const index of [0, 150, sealed.length - 1]) {
      const changed = sealed.slice();
      changed[index] = (changed[index] ?? 0) ^ 0x80;
      await rejectsWith(
        subtle.decrypt({ name: 'AES-GCM', iv, additionalData }, key, changed),
        'OperationError',
      );
    }
    await rejectsWith(
      subtle.decrypt({ name: 'AES-GCM', iv: bytes(12, 8), additionalData }, key, sealed),
      'OperationError',
    );
    await rejectsWith(subtle.decrypt({ name: 'AES-GCM', iv }, key, sealed), 'OperationError');
    await rejectsWith(
      subtle.decrypt({ name: 'AES-GCM', iv, additionalData }, key, sealed.subarray(0, 15)),
      'OperationError',
    );
  });

  it('passes other nonce and tag sizes on', async () => {
    const key = await aesKey('AES-GCM', 128, ['encrypt', 'decrypt']);
    const params = { name: 'AES-GCM', iv: bytes(16), tagLength: 96 };
    const ours = await subtle.encrypt(params, key, bytes(50));
    expect(hex(ours)).toBe(hex(await native.encrypt(params, key, bytes(50))));
    expect(hex(await subtle.decrypt(params, key, ours))).toBe(hex(bytes(50).buffer));
  });

  it('keeps the key usages of WebCrypto', async () => {
    const encryptOnly = await aesKey('AES-GCM', 256, ['encrypt']);
    const cbc = await aesKey('AES-CBC', 256, ['encrypt', 'decrypt']);
    const params = { name: 'AES-GCM', iv: bytes(12) };
    await rejectsWith(subtle.decrypt(params, encryptOnly, bytes(32)), 'InvalidAccessError');
    await rejectsWith(subtle.encrypt(params, cbc, bytes(32)), 'InvalidAccessError');
  });
});

describe('createNodeCrypto: AES-KW', () => {
  for (const length of [128, 256]) {
    it(`wraps and unwraps, ${length}-bit key`, async () => {
      const kek = await aesKey('AES-KW', length, ['wrapKey', 'unwrapKey']);
      const content = await aesKey('AES-GCM', 256, ['encrypt'], true);

      const ours = await subtle.wrapKey('raw', content, kek, 'AES-KW');
      expect(hex(ours)).toBe(hex(await native.wrapKey('raw', content, kek, { name: 'AES-KW' })));

      const unwrapped = await subtle.unwrapKey('raw', ours, kek, 'AES-KW', 'AES-GCM', false, [
        'decrypt',
      ]);
      expect(unwrapped.extractable).toBe(false);
      expect(unwrapped.usages).toEqual(['decrypt']);
      expect(unwrapped.algorithm).toEqual({ name: 'AES-GCM', length: 256 });
      const iv = bytes(12);
      const sealed = await native.encrypt({ name: 'AES-GCM', iv }, content, bytes(64));
      expect(hex(await native.decrypt({ name: 'AES-GCM', iv }, unwrapped, sealed))).toBe(
        hex(bytes(64).buffer),
      );
    });
  }

  it('rejects a non-extractable key', async () => {
    const kek = await aesKey('AES-KW', 256, ['wrapKey']);
    const content = await aesKey('AES-GCM', 256, ['encrypt'], false);
    await rejectsAsNative(
      subtle.wrapKey('raw', content, kek, 'AES-KW'),
      native.wrapKey('raw', content, kek, 'AES-KW'),
    );
  });

  it('rejects altered wrapped keys', async () => {
    const kek = await aesKey('AES-KW', 256, ['wrapKey', 'unwrapKey']);
    const content = await aesKey('AES-GCM', 256, ['encrypt'], true);
    const wrapped = new Uint8Array(await subtle.wrapKey('raw', content, kek, 'AES-KW'));
    const unwrap = (data: Uint8Array<ArrayBuffer>) =>
      subtle.unwrapKey('raw', data, kek, 'AES-KW', 'AES-GCM', false, ['decrypt']);

    const changed = wrapped.slice();
    changed[3] = (changed[3] ?? 0) ^ 1;
    await rejectsWith(unwrap(changed), 'OperationError');
    // Lengths that AES-KW cannot unwrap go to WebCrypto, which names the error itself.
    for (const short of [wrapped.subarray(0, 39), wrapped.subarray(0, 16), new Uint8Array(0)]) {
      await rejectsAsNative(
        unwrap(short),
        native.unwrapKey('raw', short, kek, 'AES-KW', 'AES-GCM', false, ['decrypt']),
      );
    }
  });

  it('keeps the key usages of WebCrypto', async () => {
    const wrapOnly = await aesKey('AES-KW', 256, ['wrapKey']);
    const content = await aesKey('AES-GCM', 256, ['encrypt'], true);
    const wrapped = await subtle.wrapKey('raw', content, wrapOnly, 'AES-KW');
    await rejectsWith(
      subtle.unwrapKey('raw', wrapped, wrapOnly, 'AES-KW', 'AES-GCM', false, ['decrypt']),
      'InvalidAccessError',
    );
  });
});

describe('createNodeCrypto: EC keys', () => {
  for (const namedCurve of ['P-256', 'P-384']) {
    it(`exports raw public keys as WebCrypto, ${namedCurve}`, async () => {
      const ecdh = await ecdhPair(namedCurve);
      const ecdsa = await ecdsaPair(namedCurve);
      for (const key of [ecdh.publicKey, ecdsa.publicKey]) {
        const point = await subtle.exportKey('raw', key);
        expect(point.byteLength).toBe(namedCurve === 'P-256' ? 65 : 97);
        expect(hex(point)).toBe(hex(await native.exportKey('raw', key)));
      }
    });
  }

  it('passes other export formats on', async () => {
    const pair = await ecdhPair('P-256');
    expect(hex(await subtle.exportKey('spki', pair.publicKey))).toBe(
      hex(await native.exportKey('spki', pair.publicKey)),
    );
    await rejectsAsNative(
      subtle.exportKey('raw', pair.privateKey),
      native.exportKey('raw', pair.privateKey),
    );
  });

  it('hands out each ephemeral pair once', async () => {
    const points = new Set<string>();
    for (let round = 0; round < 12; round++) {
      const pair = await subtle.generateKey({ name: 'ECDH', namedCurve: 'P-256' }, false, [
        'deriveBits',
      ]);
      expect(pair.privateKey.extractable).toBe(false);
      expect(pair.privateKey.usages).toEqual(['deriveBits']);
      expect(pair.privateKey.algorithm).toEqual({ name: 'ECDH', namedCurve: 'P-256' });
      points.add(hex(await subtle.exportKey('raw', pair.publicKey)));
    }
    expect(points.size).toBe(12);
  });

  it('derives with an ephemeral pair', async () => {
    const peer = await ecdhPair('P-384');
    const pair = await subtle.generateKey({ name: 'ECDH', namedCurve: 'P-384' }, false, [
      'deriveBits',
    ]);
    const ours = await subtle.deriveBits(
      { name: 'ECDH', public: peer.publicKey },
      pair.privateKey,
      384,
    );
    const theirs = await native.deriveBits(
      { name: 'ECDH', public: pair.publicKey },
      peer.privateKey,
      384,
    );
    expect(hex(ours)).toBe(hex(theirs));
  });

  it('generates other key requests through WebCrypto', async () => {
    const extractable = await subtle.generateKey({ name: 'ECDH', namedCurve: 'P-256' }, true, [
      'deriveBits',
    ]);
    expect(extractable.privateKey.extractable).toBe(true);
    const signing = await subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, [
      'sign',
    ]);
    expect(signing.privateKey.algorithm.name).toBe('ECDSA');
    await rejectsWith(
      subtle.generateKey({ name: 'ECDH', namedCurve: 'P-256' }, false, []),
      'SyntaxError',
    );
  });
});

describe('createNodeCrypto: the rest', () => {
  it('gives random values and UUIDs', () => {
    const first = engine.getRandomValues(new Uint8Array(32));
    const second = engine.getRandomValues(new Uint8Array(32));
    expect(hex(first.buffer)).not.toBe(hex(second.buffer));
    expect(engine.randomUUID()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-/);
  });

  it('generates, imports and exports keys through WebCrypto', async () => {
    const pair = await subtle.generateKey({ name: 'ECDH', namedCurve: 'P-256' }, true, [
      'deriveBits',
    ]);
    const raw = await subtle.exportKey('raw', pair.publicKey);
    const imported = await subtle.importKey(
      'raw',
      raw,
      { name: 'ECDH', namedCurve: 'P-256' },
      true,
      [],
    );
    expect(hex(await subtle.exportKey('raw', imported))).toBe(hex(raw));
  });

  it('cannot be changed by its callers', () => {
    expect(Object.isFrozen(subtle)).toBe(true);
  });
});
