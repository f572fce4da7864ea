/**
 * Test page bundled for Chromium: it drives the keystore with the browser's own IndexedDB and
 * WebCrypto. Node calls the functions on `window.keystorePage` through Playwright.
 */
import {
  ReplayGuard,
  SipMessage,
  decryptContent,
  encryptContent,
  importPrivateKey,
  pemDecode,
  protectMessage,
  signContent,
  unprotectMessage,
} from '@mcptt-smime/smime';

import { openDB } from 'idb';

import { IndexedDbKeyStore } from '../../src/index.js';
import { MCPTT_BODY, sipMessageBytes } from '../sip-message.js';

/** PEM material that Node made with OpenSSL. */
export interface PageSetUp {
  readonly caPem: string;
  readonly alice: { readonly key: string; readonly cert: string };
  readonly bob: { readonly key: string; readonly cert: string };
}

/** What the page reports after the reload. */
export interface PageOutcome {
  readonly uris: string[];
  readonly plaintext: string;
  readonly signerUri: string | undefined;
  readonly ciphertextHidesBody: boolean;
  /** DOMException name of exportKey per stored private key, or `exported`. */
  readonly exportResults: string[];
  readonly extractable: boolean[];
  /** Pin reads of a second keystore on the database: before, and after the first one removed it. */
  readonly peerPinSeen: boolean;
  readonly peerRemovalSeen: boolean;
  /** Records that a new replay guard took from the store after the reload. */
  readonly replaysRestored: number;
  /** The error code that guard raised for the request recorded before the reload. */
  readonly replayCode: string;
}

/** Medians that the benchmark reports, in milliseconds. */
export interface PageBenchmark {
  readonly openLoadMs: number;
  readonly signDecryptStoredMs: number;
  readonly signDecryptMemoryMs: number;
}

const DATABASE = 'keystore-chromium-test';

function openStore(): Promise<IndexedDbKeyStore> {
  return IndexedDbKeyStore.open({ crypto: globalThis.crypto, databaseName: DATABASE });
}

async function setUp(input: PageSetUp): Promise<string> {
  const store = await openStore();
  await store.wipe();
  await store.addTrustAnchor(input.caPem);
  await store.importPem({ privateKey: input.alice.key, certificate: input.alice.cert });
  await store.importPem({ privateKey: input.bob.key, certificate: input.bob.cert });
  const request = await store.createCertificateRequest({ uri: 'sip:carol@example.org' });
  const replays = store.replayStore();
  const stored: Promise<void>[] = [];
  const guard = new ReplayGuard({ onRecord: (record) => stored.push(replays.add(record)) });
  guard.check(boundRequest(), boundSecurity(), new Date());
  await Promise.all(stored);
  await store.close();
  return request.pem;
}

/** Returns a request whose signature covers its Call-ID and CSeq, which the guard records. */
function boundRequest(): SipMessage {
  return SipMessage.parse(sipMessageBytes());
}

function boundSecurity(): Parameters<ReplayGuard['check']>[1] {
  return {
    protected: true,
    encrypted: true,
    signed: true,
    signerUri: 'sip:alice@example.org',
    signerCertificate: undefined,
    signerIntermediates: [],
    signingTime: new Date(),
    algorithms: {},
    protectedParts: [],
    protectedHeaders: [
      { name: 'Call-ID', value: 'replayed-after-reload' },
      { name: 'CSeq', value: '1 MESSAGE' },
    ],
    sdpBound: false,
    order: 'sign-then-encrypt',
  };
}

/** Restores a new replay guard from the store and returns what it raises for that request. */
async function replayAfterReload(
  store: IndexedDbKeyStore,
): Promise<Pick<PageOutcome, 'replaysRestored' | 'replayCode'>> {
  const guard = new ReplayGuard();
  const replaysRestored = guard.restore(await store.replayStore().load(), new Date());
  try {
    guard.check(boundRequest(), boundSecurity(), new Date());
    return { replaysRestored, replayCode: 'accepted' };
  } catch (error) {
    return { replaysRestored, replayCode: (error as { code?: string }).code ?? 'unknown' };
  }
}

async function finish(carolCertificate: string): Promise<PageOutcome> {
  const store = await openStore();
  await store.completeEnrolment({ uri: 'sip:carol@example.org', certificate: carolCertificate });
  const alice = await store.getIdentity('sip:alice@example.org');
  const bob = await store.getIdentity('sip:bob@example.org');
  if (alice === undefined || bob === undefined) throw new Error('identities missing after reload');

  const sent = await protectMessage(SipMessage.parse(sipMessageBytes()), {
    crypto: globalThis.crypto,
    signer: alice,
    recipients: [bob.certificate],
  });
  const { message, security } = await unprotectMessage(sent, {
    crypto: globalThis.crypto,
    identity: bob,
    trustAnchors: await store.getTrustAnchors(),
  });

  const keys: CryptoKey[] = [];
  const uris: string[] = [];
  for (const info of await store.listIdentities()) {
    const identity = await store.getIdentity(info.uri);
    if (identity === undefined) continue;
    uris.push(info.uri);
    keys.push(identity.signingKey, identity.decryptionKey);
  }
  const peers = await peerRemoval(store, bob.certificate);
  const replay = await replayAfterReload(store);
  return {
    ...peers,
    ...replay,
    uris,
    plaintext: new TextDecoder().decode(message.body),
    signerUri: security.signerUri,
    ciphertextHidesBody: !new TextDecoder().decode(sent.toBytes()).includes('mcptt-Params'),
    exportResults: await Promise.all(keys.map(exportResult)),
    extractable: keys.map((key) => key.extractable),
  };
}

/**
 * Pins Bob's certificate through `store`, reads it through a second keystore on the same
 * database, so that the second one caches it, then removes it through `store`. The second keystore
 * must see the removal once the BroadcastChannel message arrives.
 */
async function peerRemoval(
  store: IndexedDbKeyStore,
  certificate: Uint8Array,
): Promise<Pick<PageOutcome, 'peerPinSeen' | 'peerRemovalSeen'>> {
  const bob = 'sip:bob@example.org';
  const other = await openStore();
  try {
    await store.setPeerCertificate(bob, certificate);
    const peerPinSeen = (await other.getPeerCertificate(bob)) !== undefined;
    await store.removePeerCertificate(bob);
    for (let attempt = 0; attempt < 100; attempt++) {
      if ((await other.getPeerCertificate(bob)) === undefined) {
        return { peerPinSeen, peerRemovalSeen: true };
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return { peerPinSeen, peerRemovalSeen: false };
  } finally {
    await other.close();
  }
}

async function exportResult(key: CryptoKey): Promise<string> {
  try {
    await globalThis.crypto.subtle.exportKey('pkcs8', key);
    return 'exported';
  } catch (error) {
    return (error as Error).name;
  }
}

async function benchmark(runs: number, alicePem: PageSetUp['alice']): Promise<PageBenchmark> {
  const openLoad: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    const store = await openStore();
    await store.getIdentity('sip:alice@example.org');
    openLoad.push(performance.now() - start);
    await store.close();
  }

  const store = await openStore();
  const stored = await store.getIdentity('sip:alice@example.org');
  await store.close();
  if (stored === undefined) throw new Error('alice missing');
  const [pkcs8] = pemDecode(alicePem.key, 'PRIVATE KEY');
  const memory = await importPrivateKey(globalThis.crypto, pkcs8 as Uint8Array, {
    extractable: true,
  });

  return {
    openLoadMs: median(openLoad),
    signDecryptStoredMs: await timeSignDecrypt(runs, stored.certificate, stored),
    signDecryptMemoryMs: await timeSignDecrypt(runs, stored.certificate, memory),
  };
}

async function timeSignDecrypt(
  runs: number,
  certificate: Uint8Array,
  keys: { signingKey: CryptoKey; decryptionKey: CryptoKey },
): Promise<number> {
  const content = new TextEncoder().encode(MCPTT_BODY);
  const envelope = await encryptContent({
    crypto: globalThis.crypto,
    content,
    recipients: [certificate],
    algorithm: 'aes-256-gcm',
  });
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await signContent({
      crypto: globalThis.crypto,
      content,
      privateKey: keys.signingKey,
      certificate,
      signingTime: new Date(),
      detached: true,
    });
    await decryptContent({
      crypto: globalThis.crypto,
      der: envelope.der,
      certificate,
      privateKey: keys.decryptionKey,
    });
    times.push(performance.now() - start);
  }
  return median(times);
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? 0)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

/** What the keystore did with a stored identity whose signing key is extractable. */
export interface ExtractableOutcome {
  /** The error code of getIdentity, or `returned` when it handed the identity out. */
  readonly code: string;
  readonly listed: boolean;
}

/**
 * Stores a copy of alice's record with an extractable signing key under another URI, straight
 * through IndexedDB, as another script of the origin could, and reads it back through the keystore.
 */
async function storeExtractableKey(): Promise<ExtractableOutcome> {
  const uri = 'sip:mallory@example.org';
  const pair = await globalThis.crypto.subtle.generateKey(
    { name: 'ECDSA', namedCurve: 'P-256' },
    true,
    ['sign', 'verify'],
  );
  const db = await openDB(DATABASE);
  const alice: unknown = await db.get('identities', 'sip:alice@example.org');
  await db.put('identities', { ...(alice as object), uri, signingKey: pair.privateKey });
  db.close();

  const store = await openStore();
  try {
    const listed = (await store.listIdentities()).some((info) => info.uri === uri);
    const code = await store.getIdentity(uri).then(
      () => 'returned',
      (error: unknown) => (error as { code?: string }).code ?? 'unknown',
    );
    return { code, listed };
  } finally {
    await store.close();
  }
}

const api = { setUp, finish, benchmark, storeExtractableKey };

declare global {
  interface Window {
    keystorePage: typeof api;
  }
}

window.keystorePage = api;
