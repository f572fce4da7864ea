/**
 * The receive checks of the client against replay and re-signing: `maxSignatureAge` bounds how
 * long a captured body can be sent again, and `encryptThenSign: 'reject'` rejects an envelope
 * that someone signed after encrypting. Both are off by default. The replay guard works either
 * way, and without `maxSignatureAge` it drops no entry by time.
 */
import { describe, expect, it, vi } from 'vitest';
import {
  SipMessage,
  StorageError,
  utf8Decode,
  utf8Encode,
  type ReplayRecord,
  type ReplayStore,
} from '@mcptt-smime/smime';
import { opensslAvailable } from '../../smime/test/cms/openssl-crl.js';
import { opensslProtect, wrapInMessage } from '../../smime/test/smime/openssl-peer.js';
import { McpttClient } from '../src/api/mcptt-client.js';
import type { McpttClientOptions } from '../src/api/client-options.js';
import { REPLAY_STORE_LOAD_TIMEOUT_MS, SmimePipeline } from '../src/core/smime-pipeline.js';
import { createLoopbackPair } from './helpers/loopback.js';
import { startPair } from './helpers/clients.js';
import { useCallHooks } from './helpers/call-hooks.js';
import { createKeyStores, testCrypto } from './helpers/pki.js';
import { until } from './helpers/until.js';

const ALICE = 'sip:alice@example.org';
const BOB = 'sip:bob@example.org';
const SECRET = 'evacuate building 4';
const MINUTE = 60_000;
const stops = useCallHooks();

type BobChecks = Pick<
  McpttClientOptions,
  'maxSignatureAge' | 'encryptThenSign' | 'replayStore' | 'logger'
>;

/** Starts alice and bob; bob's clock is `clock.now`, and bob records what reaches him. */
async function setUp(checks: BobChecks = {}) {
  const stores = await createKeyStores();
  const clock = { now: stores.now() };
  const texts: { text: string; callId: string }[] = [];
  const started = await startPair({
    stores,
    bob: {
      now: () => clock.now,
      ...checks,
      delegate: { onShortData: (event) => texts.push({ text: event.text, callId: event.callId }) },
    },
  });
  stops.push(started.stop);
  const failures = started.recorded.bob.failures;
  const inject = (frame: string): void => {
    (started.transports.b as unknown as { ondata(data: string): void }).ondata(frame);
  };
  return { stores, alice: started.alice, wire: started.wire, clock, texts, failures, inject };
}

/** Returns the first MESSAGE on the wire as a new transaction, with Call-ID `callId` if given. */
function replayOf(wire: readonly string[], callId?: string): string {
  const captured = wire.find((frame) => frame.startsWith('MESSAGE '));
  if (captured === undefined) throw new Error('no MESSAGE captured');
  const moved =
    callId === undefined
      ? captured
      : captured
          .replace(/^Call-ID: .*$/im, `Call-ID: ${callId}`)
          .replace(/^(From: .*;tag=)[^;\r\n]*/im, '$1replaytag');
  return moved.replace(/branch=z9hG4bK[^;\r\n]*/i, 'branch=z9hG4bKreplay1');
}

/** Returns the Call-ID of the first MESSAGE on the wire. */
function firstCallId(wire: readonly string[]): string {
  const captured = wire.find((frame) => frame.startsWith('MESSAGE ')) ?? '';
  return /^Call-ID: (.*)$/im.exec(captured)?.[1]?.trim() ?? '';
}

/** Waits for the last response with this Call-ID and returns its status line. */
async function lastResponseTo(wire: readonly string[], callId: string, count: number) {
  const statuses = () =>
    wire
      .filter((frame) => frame.startsWith('SIP/2.0 ') && frame.includes(`Call-ID: ${callId}`))
      .map((frame) => frame.split('\r\n', 1)[0] ?? '');
  await until(() => statuses().length >= count);
  return statuses().at(-1);
}

/** Waits for the response with this Call-ID on the wire and returns its status line. */
async function responseTo(wire: readonly string[], callId: string): Promise<string> {
  const find = () =>
    wire.find((frame) => frame.startsWith('SIP/2.0 ') && frame.includes(`Call-ID: ${callId}`));
  await until(() => find() !== undefined);
  return find()?.split('\r\n', 1)[0] ?? '';
}

describe('maxSignatureAge', () => {
  it('rejects a replay after the window', async () => {
    const { alice, wire, clock, texts, failures, inject } = await setUp({
      maxSignatureAge: 5 * MINUTE,
    });
    await alice.sendShortData(BOB, SECRET);
    expect(texts.map((t) => t.text)).toEqual([SECRET]);

    clock.now = new Date(clock.now.getTime() + 10 * MINUTE);
    inject(replayOf(wire, 'replayed-call-1'));

    expect(await responseTo(wire, 'replayed-call-1')).toBe('SIP/2.0 403 Forbidden');
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({
      direction: 'incoming',
      callId: 'replayed-call-1',
      code: 'ERR_SIGNATURE_INVALID',
      sipStatus: 403,
    });
    expect(texts).toHaveLength(1);
  });

  it('rejects a body moved into another Call-ID', async () => {
    const { alice, wire, clock, texts, failures, inject } = await setUp({
      maxSignatureAge: 5 * MINUTE,
    });
    await alice.sendShortData(BOB, SECRET);

    clock.now = new Date(clock.now.getTime() + MINUTE);
    inject(replayOf(wire, 'replayed-call-2'));

    expect(await responseTo(wire, 'replayed-call-2')).toBe('SIP/2.0 403 Forbidden');
    expect(failures.map((failure) => failure.code)).toEqual(['ERR_HEADER_MISMATCH']);
    expect(texts).toHaveLength(1);
  });

  it('rejects the same request sent again', async () => {
    const { alice, wire, clock, texts, failures, inject } = await setUp({
      maxSignatureAge: 5 * MINUTE,
    });
    await alice.sendShortData(BOB, SECRET);
    const callId = firstCallId(wire);

    clock.now = new Date(clock.now.getTime() + MINUTE);
    inject(replayOf(wire));

    expect(await lastResponseTo(wire, callId, 2)).toBe('SIP/2.0 403 Forbidden');
    expect(failures.map((failure) => failure.code)).toEqual(['ERR_REPLAYED']);
    expect(texts).toHaveLength(1);
  });

  it('rejects a replay a day later when unset', async () => {
    const { alice, wire, clock, texts, failures, inject } = await setUp();
    await alice.sendShortData(BOB, SECRET);
    const callId = firstCallId(wire);

    // No age check rejects it, so the guard must still know the request.
    clock.now = new Date(clock.now.getTime() + 24 * 60 * MINUTE);
    inject(replayOf(wire));

    expect(await lastResponseTo(wire, callId, 2)).toBe('SIP/2.0 403 Forbidden');
    expect(failures.map((failure) => failure.code)).toEqual(['ERR_REPLAYED']);
    expect(texts).toHaveLength(1);
  });

  it('opens an old signature when unset', async () => {
    const { alice, clock, texts, failures } = await setUp();
    // Bob's clock is a day ahead of alice's: without maxSignatureAge, nothing compares them.
    clock.now = new Date(clock.now.getTime() + 24 * 60 * MINUTE);
    await alice.sendShortData(BOB, SECRET);

    expect(texts.map((t) => t.text)).toEqual([SECRET]);
    expect(failures).toEqual([]);
  });
});

/** Builds a MESSAGE from alice to bob whose text openssl encrypted for bob, then signed as alice. */
async function encryptedThenSigned(callId: string): Promise<string> {
  const { pki } = await createKeyStores();
  const inner = utf8Encode(`Content-Type: text/plain;charset=utf-8\r\n\r\n${SECRET}`);
  const smime = opensslProtect(inner, [
    { op: 'encrypt', recipient: pki.files.bob!, cipher: 'aes-256-gcm' },
    { op: 'sign', signer: pki.files.alice! },
  ]);
  const text = [
    `MESSAGE ${BOB} SIP/2.0`,
    'Via: SIP/2.0/WS 127.0.0.1:9;branch=z9hG4bKets1',
    'Max-Forwards: 70',
    `From: <${ALICE}>;tag=ets1`,
    `To: <${BOB}>`,
    `Call-ID: ${callId}`,
    'CSeq: 1 MESSAGE',
    'Content-Type: text/plain',
    'Content-Length: 1',
    '',
    'x',
  ].join('\r\n');
  return utf8Decode(wrapInMessage(SipMessage.parse(utf8Encode(text)), smime).toBytes());
}

describe.skipIf(!opensslAvailable)('encryptThenSign', () => {
  it("rejects encrypt-then-sign with 'reject'", async () => {
    const { wire, texts, failures, inject } = await setUp({ encryptThenSign: 'reject' });
    inject(await encryptedThenSigned('ets-call-1'));

    expect(await responseTo(wire, 'ets-call-1')).toBe('SIP/2.0 403 Forbidden');
    expect(failures[0]).toMatchObject({ code: 'ERR_DOWNGRADE', sipStatus: 403 });
    expect(texts).toEqual([]);
  });

  it('opens encrypt-then-sign by default', async () => {
    const { wire, texts, failures, inject } = await setUp();
    inject(await encryptedThenSigned('ets-call-2'));

    expect(await responseTo(wire, 'ets-call-2')).toBe('SIP/2.0 200 OK');
    expect(texts).toEqual([{ text: SECRET, callId: 'ets-call-2' }]);
    expect(failures).toEqual([]);
  });
});

describe('receive check options', () => {
  it.each([
    ['maxSignatureAge', { maxSignatureAge: -1 }],
    ['maxSignatureAge', { maxSignatureAge: Number.NaN }],
    ['maxSignatureAge', { maxSignatureAge: Number.POSITIVE_INFINITY }],
    ['maxSignatureAge', { maxSignatureAge: '300000' }],
    ['encryptThenSign', { encryptThenSign: 'refuse' }],
    ['revocation', { revocation: 'requires' }],
  ])('raises TypeError naming %s', async (name, checks) => {
    const stores = await createKeyStores();
    const { a } = createLoopbackPair();
    const base = { crypto: testCrypto, keyStore: stores.bob, localUri: BOB };
    const client = () =>
      new McpttClient({
        uri: BOB,
        transport: a,
        crypto: testCrypto,
        keyStore: stores.bob,
        ...(checks as BobChecks),
      });
    const pipeline = () => new SmimePipeline({ ...base, ...(checks as BobChecks) });

    expect(client).toThrow(TypeError);
    expect(client).toThrow(name);
    expect(pipeline).toThrow(TypeError);
    expect(pipeline).toThrow(name);
  });
});

/** Returns a replay store in memory, in place of the keystore's, whose methods may fail. */
function memoryReplayStore(failing: { load?: boolean; add?: boolean } = {}) {
  const records: ReplayRecord[] = [];
  const store: ReplayStore = {
    load: () =>
      failing.load === true
        ? Promise.reject(new Error('database closed'))
        : Promise.resolve([...records]),
    add: (record) => {
      if (failing.add === true) return Promise.reject(new Error('quota exceeded'));
      records.push(record);
      return Promise.resolve();
    },
  };
  return { store, records };
}

describe('replayStore', () => {
  it('rejects a replay after a reload', async () => {
    const { store, records } = memoryReplayStore();
    const first = await setUp({ replayStore: store });
    await first.alice.sendShortData(BOB, SECRET);
    const callId = firstCallId(first.wire);
    await until(() => records.length === 1);

    // A new client, as after a page reload, on the same key store and replay store.
    const texts: string[] = [];
    const reloaded = await startPair({
      stores: first.stores,
      bob: {
        now: () => first.clock.now,
        replayStore: store,
        delegate: { onShortData: (event) => texts.push(event.text) },
      },
    });
    stops.push(reloaded.stop);
    const transport = reloaded.transports.b as unknown as { ondata(data: string): void };
    transport.ondata(replayOf(first.wire));

    expect(await responseTo(reloaded.wire, callId)).toBe('SIP/2.0 403 Forbidden');
    expect(reloaded.recorded.bob.failures.map((failure) => failure.code)).toEqual(['ERR_REPLAYED']);
    expect(texts).toEqual([]);
  });

  it('fails start when the records do not load', async () => {
    const { store } = memoryReplayStore({ load: true });
    await expect(setUp({ replayStore: store })).rejects.toThrow('database closed');
  });

  it('logs a record that was not stored and delivers the message', async () => {
    const { store } = memoryReplayStore({ add: true });
    const warnings: string[] = [];
    const logger = {
      debug: () => undefined,
      info: () => undefined,
      warn: (_category: string, message: string) => warnings.push(message),
      error: () => undefined,
    };
    const { alice, texts } = await setUp({ replayStore: store, logger });
    await alice.sendShortData(BOB, SECRET);
    await until(() => warnings.includes('replay record not stored'));

    expect(texts.map((t) => t.text)).toEqual([SECRET]);
  });

  it('survives a logger that throws on a record not stored', async () => {
    const { store } = memoryReplayStore({ add: true });
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => {
      unhandled.push(reason);
    };
    process.on('unhandledRejection', onUnhandled);
    try {
      const throwing = () => {
        throw new Error('logger failed');
      };
      const logger = { debug: throwing, info: throwing, warn: throwing, error: throwing };
      const { alice, texts } = await setUp({ replayStore: store, logger });
      await alice.sendShortData(BOB, SECRET);
      await until(() => texts.length === 1);
      await new Promise((resolve) => setTimeout(resolve, 20));

      expect(texts.map((t) => t.text)).toEqual([SECRET]);
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('fails start when the records never load', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const pipeline = new SmimePipeline({
        crypto: testCrypto,
        keyStore: (await createKeyStores()).bob,
        localUri: BOB,
        onReceived: () => undefined,
        replayStore: { load: () => new Promise(() => undefined), add: () => Promise.resolve() },
      });
      const restoring = pipeline.restoreReplayRecords();
      const outcome = restoring.catch((error: unknown) => error);
      await vi.advanceTimersByTimeAsync(REPLAY_STORE_LOAD_TIMEOUT_MS);

      const error = await outcome;
      expect(error).toBeInstanceOf(StorageError);
      expect(error).toMatchObject({
        code: 'ERR_STORAGE_FAILED',
        sipStatus: 500,
        message: 'replay records not loaded: the replay store timed out',
      });
    } finally {
      vi.useRealTimers();
    }
  });
});
