/**
 * A client that stops while it opens a message writes nothing more to its stores, so that a
 * logout's wipe() after stop() is final.
 */
import { describe, expect, it } from 'vitest';
import {
  MemoryKeyStore,
  utf8Encode,
  type ReplayRecord,
  type ReplayStore,
} from '@mcptt-smime/smime';

import { SmimePipeline, type PinningKeyStore } from '../src/core/smime-pipeline.js';
import { createKeyStores, testCrypto } from './helpers/pki.js';

const MESSAGE = [
  'MESSAGE sip:bob@example.org SIP/2.0',
  'Via: SIP/2.0/WS a.invalid;branch=z9hG4bK1',
  'Max-Forwards: 70',
  'From: <sip:alice@example.org>;tag=a1',
  'To: <sip:bob@example.org>',
  'Call-ID: stop-1',
  'CSeq: 1 MESSAGE',
  'Content-Type: text/plain;charset=utf-8',
  'Content-Length: 12',
  '',
  'hello, bob 1',
].join('\r\n');

/**
 * Opens alice's protected MESSAGE at a bob that has not pinned alice. With `stop`, bob stops
 * writing while the message is being opened, and with `restart` he also starts again then. With
 * `resumed`, bob stopped and started again before the message arrived.
 */
async function openAtBob(writes: 'running' | 'stop' | 'restart' | 'resumed') {
  const stores = await createKeyStores();
  const written: string[] = [];
  let release: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const memory = new MemoryKeyStore({
    identities: [await stores.pki.identity('bob')],
    trustAnchors: [stores.pki.caCertificate],
  });
  // The key store delays the message until the test releases it, as a slow database would.
  const keyStore: PinningKeyStore = {
    getIdentity: async (uri) => {
      await gate;
      return memory.getIdentity(uri);
    },
    getTrustAnchors: () => memory.getTrustAnchors(),
    getPeerCertificate: (aor) => memory.getPeerCertificate(aor),
    setPeerCertificate: (aor, certificate, options) => {
      written.push('peer certificate');
      return memory.setPeerCertificate(aor, certificate, options);
    },
  };
  const replayStore: ReplayStore = {
    load: () => Promise.resolve([]),
    add: (_record: ReplayRecord) => {
      written.push('replay record');
      return Promise.resolve();
    },
  };
  const common = { crypto: testCrypto, now: stores.now };
  const alice = new SmimePipeline({
    ...common,
    keyStore: stores.alice,
    localUri: 'sip:alice@example.org',
  });
  const bob = new SmimePipeline({
    ...common,
    keyStore,
    replayStore,
    localUri: 'sip:bob@example.org',
  });
  const sent = await alice.outgoing(MESSAGE);

  if (writes === 'resumed') {
    bob.stopWriting();
    bob.resumeWriting();
  }
  const opening = bob.incoming(utf8Encode(sent));
  if (writes === 'stop' || writes === 'restart') bob.stopWriting();
  if (writes === 'restart') bob.resumeWriting();
  release();
  const opened = await opening;
  await new Promise((resolve) => setTimeout(resolve, 0));
  return { opened, written };
}

describe('SmimePipeline stopWriting', () => {
  it('writes the replay record and the pin while running', async () => {
    const { opened, written } = await openAtBob('running');

    expect(opened).toContain('hello, bob 1');
    expect(written.sort()).toEqual(['peer certificate', 'replay record']);
  });

  it('writes nothing for a message opened after stop', async () => {
    const { written } = await openAtBob('stop');

    expect(written).toEqual([]);
  });

  it('writes nothing for a message of the stopped session', async () => {
    const { written } = await openAtBob('restart');

    expect(written).toEqual([]);
  });

  it('writes again for a message after resume', async () => {
    const { written } = await openAtBob('resumed');

    expect(written.sort()).toEqual(['peer certificate', 'replay record']);
  });
});
