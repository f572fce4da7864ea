import { describe, expect, it } from 'vitest';

import { CertificateChangedError } from '../../src/errors.js';
import { MemoryKeyStore } from '../../src/smime/memory-key-store.js';

const first = Uint8Array.of(1, 2, 3);
const second = Uint8Array.of(4, 5, 6);

describe('MemoryKeyStore', () => {
  it('records the first certificate', async () => {
    const store = new MemoryKeyStore();
    await store.setPeerCertificate('sip:alice@example.org', first);

    expect(await store.getPeerCertificate('sip:alice@EXAMPLE.org')).toEqual(first);
    expect(await store.getPeerCertificate('sip:bob@example.org')).toBeUndefined();
  });

  it('rejects a different certificate', async () => {
    const store = new MemoryKeyStore();
    await store.setPeerCertificate('sip:alice@example.org', first);
    const error = await store
      .setPeerCertificate('sip:alice@example.org', second)
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(CertificateChangedError);
    expect(error).toMatchObject({ code: 'ERR_CERT_CHANGED', sipStatus: 403 });
    expect(await store.getPeerCertificate('sip:alice@example.org')).toEqual(first);
  });

  it('replaces only on request', async () => {
    const store = new MemoryKeyStore();
    await store.setPeerCertificate('sip:alice@example.org', first);
    await store.setPeerCertificate('sip:alice@example.org', first);
    await store.setPeerCertificate('sip:alice@example.org', second, { replace: true });

    expect(await store.getPeerCertificate('sip:alice@example.org')).toEqual(second);
  });

  it('deduplicates trust anchors', async () => {
    const store = new MemoryKeyStore({ trustAnchors: [first, first, second] });

    expect(await store.getTrustAnchors()).toEqual([first, second]);
  });
});
