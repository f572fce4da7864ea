import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CertificateChangedError, CmsParseError, SipParseError } from '@mcptt-smime/smime';

import { TestPki, notBeforeOf } from './pki.js';
import { openTestStore } from './store.js';

const DAY_MS = 24 * 60 * 60 * 1000;

describe('trust anchors and peer keyring', () => {
  const pki = new TestPki();
  let ca = new Uint8Array();
  let bobOld = new Uint8Array();
  let bobNew = new Uint8Array();
  let carol = new Uint8Array();
  let notBefore = new Date();

  const der = (file: string) =>
    new Uint8Array(pki.openssl(['x509', '-in', file, '-outform', 'DER']));

  beforeAll(() => {
    pki.createCa('ca');
    pki.createIdentity('ca', 'bob-old', 'sip:bob@example.org', 10);
    pki.createIdentity('ca', 'bob-new', 'sip:bob@example.org', 400);
    pki.createIdentity('ca', 'carol', 'sip:carol@example.org', 400);
    ca = der('ca.cert.pem');
    bobOld = der('bob-old.cert.pem');
    bobNew = der('bob-new.cert.pem');
    carol = der('carol.cert.pem');
    notBefore = notBeforeOf(pki, 'bob-old.cert.pem');
  });
  afterAll(() => pki.dispose());

  it('stores and removes trust anchors', async () => {
    const store = await openTestStore();
    const fingerprint = await store.addTrustAnchor(ca);
    await store.addTrustAnchor(ca);

    expect(await store.getTrustAnchors()).toEqual([ca]);
    expect(fingerprint).toMatch(/^[0-9a-f]{64}$/);
    await store.removeTrustAnchor(fingerprint);
    expect(await store.getTrustAnchors()).toEqual([]);
  });

  it('rejects a trust anchor that is not a certificate', async () => {
    const store = await openTestStore();
    const failure = store.addTrustAnchor(new Uint8Array([0x30, 0x00]));

    await expect(failure).rejects.toBeInstanceOf(CmsParseError);
    await expect(failure).rejects.toMatchObject({ code: 'ERR_CMS_MALFORMED', sipStatus: 400 });
  });

  it('records a first peer certificate', async () => {
    const store = await openTestStore();
    await store.setPeerCertificate('sip:bob@example.org', bobOld);
    await store.setPeerCertificate('sip:bob@EXAMPLE.org;transport=ws', bobOld);

    expect(await store.getPeerCertificate('sip:bob@example.org')).toEqual(bobOld);
    expect(await store.getPeerCertificate('sip:carol@example.org')).toBeUndefined();
    expect(await store.getPeerCertificate('not a uri')).toBeUndefined();
  });

  it('reports a changed peer certificate', async () => {
    const store = await openTestStore();
    await store.setPeerCertificate('sip:bob@example.org', bobOld);

    const failure = store.setPeerCertificate('sip:bob@example.org', bobNew);

    await expect(failure).rejects.toBeInstanceOf(CertificateChangedError);
    await expect(failure).rejects.toMatchObject({ code: 'ERR_CERT_CHANGED', sipStatus: 403 });
    expect(await store.getPeerCertificate('sip:bob@example.org')).toEqual(bobOld);
  });

  it('replaces a peer certificate on request', async () => {
    const store = await openTestStore();
    await store.setPeerCertificate('sip:bob@example.org', bobOld);
    await store.setPeerCertificate('sip:bob@example.org', bobNew, { replace: true });

    expect(await store.getPeerCertificate('sip:bob@example.org')).toEqual(bobNew);
  });

  it('replaces a peer certificate once accepted', async () => {
    const store = await openTestStore();
    await store.setPeerCertificate('sip:bob@example.org', bobOld);
    await store.acceptChangedCertificate('sip:bob@example.org', bobNew);

    expect(await store.getPeerCertificate('sip:bob@example.org')).toEqual(bobNew);
    await store.removePeerCertificate('sip:bob@example.org');
    expect(await store.getPeerCertificate('sip:bob@example.org')).toBeUndefined();
  });

  it('rejects a peer address that is not SIP', async () => {
    const store = await openTestStore();
    const failure = store.setPeerCertificate('mailto:bob@example.org', bobOld);

    await expect(failure).rejects.toBeInstanceOf(SipParseError);
    await expect(failure).rejects.toMatchObject({ code: 'ERR_SIP_MALFORMED', sipStatus: 400 });
  });

  it('reports certificates inside the margin', async () => {
    const store = await openTestStore({ now: () => new Date(notBefore.getTime() + DAY_MS) });
    await store.addTrustAnchor(ca);
    await store.setPeerCertificate('sip:bob@example.org', bobOld);
    await store.setPeerCertificate('sip:carol@example.org', carol);

    const soon = await store.expiringCertificates({ marginDays: 30 });
    const narrow = await store.expiringCertificates({ marginDays: 5 });
    const later = await store.expiringCertificates({
      marginDays: 0,
      now: new Date(notBefore.getTime() + 20 * DAY_MS),
    });

    expect(soon.map((entry) => [entry.kind, entry.id, entry.expired])).toEqual([
      ['peer', 'sip:bob@example.org', false],
    ]);
    expect(narrow).toEqual([]);
    expect(later.map((entry) => [entry.id, entry.expired])).toEqual([
      ['sip:bob@example.org', true],
    ]);
  });

  it('rejects a negative margin', async () => {
    const store = await openTestStore();
    await expect(store.expiringCertificates({ marginDays: -1 })).rejects.toBeInstanceOf(TypeError);
  });
});
