import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runsWithTool } from '../../../tools/required-tool.js';
import { findKamailio, parseBodyLog, startKamailio, startRelay } from '../src/index.js';
import { RawSipClient, type ReceivedSip } from './raw-sip-client.js';

interface Core {
  readonly url: string;
  readonly bodyLogFile: string;
  stop(): Promise<void>;
}

const kamailioInstalled = runsWithTool(findKamailio() !== undefined);

const cores: readonly [string, boolean, (bodyLogFile: string) => Promise<Core>][] = [
  [
    'kamailio',
    kamailioInstalled,
    async (bodyLogFile) => startKamailio({ bodyLogFile, logFile: `${bodyLogFile}.kamailio` }),
  ],
  ['relay', true, async (bodyLogFile) => ({ ...(await startRelay({ bodyLogFile })), bodyLogFile })],
];

type BodyRecord = ReturnType<typeof parseBodyLog>[number];

/**
 * Reads the body log until a record matches, for up to 2 s. The core writes each record from the
 * process that relayed the message, so a record may land after the reply reaches the test, and
 * earlier tests' records are already in the file.
 */
async function readBodies(
  file: string,
  matches: (record: BodyRecord) => boolean,
): Promise<BodyRecord[]> {
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const records = parseBodyLog(await readFile(file, 'utf8'));
    if (records.some(matches)) {
      return records;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return parseBodyLog(await readFile(file, 'utf8'));
}

/** Pages of one user that registered and then closed, one more than Kamailio's branches. */
const RELOADED_PAGES = 13;

const isRequest = (method: string) => (m: ReceivedSip) => m.startLine.startsWith(`${method} `);
const isResponse = (callId: string, status: number) => (m: ReceivedSip) =>
  m.startLine.startsWith(`SIP/2.0 ${String(status)} `) && m.header('call-id') === callId;

describe.each(cores)('%s core', (_name, available, start) => {
  let core: Core;
  let alice: RawSipClient;
  let bob: RawSipClient;

  beforeAll(async () => {
    if (!available) {
      return;
    }
    const folder = await mkdtemp(join(tmpdir(), 'sip-core-test-'));
    core = await start(join(folder, 'bodies.log'));
    alice = await RawSipClient.connect(core.url, 'alice');
    bob = await RawSipClient.connect(core.url, 'bob');
  });

  afterAll(async () => {
    alice?.close();
    bob?.close();
    await core?.stop();
  });

  it.skipIf(!available)('registers two clients', async () => {
    expect((await alice.register('sip:mcptt.example')).startLine).toBe('SIP/2.0 200 OK');
    expect((await bob.register('sip:mcptt.example')).startLine).toBe('SIP/2.0 200 OK');
  });

  it.skipIf(!available)('relays a MESSAGE and its 200', async () => {
    const callId = alice.request('MESSAGE', bob.aor, { body: 'relay me 7f3a' });

    const received = await bob.receive(isRequest('MESSAGE'));
    bob.respond(received, 200, 'OK');

    expect(received.body).toBe('relay me 7f3a');
    expect((await alice.receive(isResponse(callId, 200))).header('call-id')).toBe(callId);
  });

  it.skipIf(!available)('logs the body it relayed', async () => {
    const records = await readBodies(core.bodyLogFile, (r) => r.body === 'relay me 7f3a');

    const record = records.find((r) => r.body === 'relay me 7f3a');
    expect(record?.kind).toBe('request');
    expect(record?.method).toBe('MESSAGE');
  });

  it.skipIf(!available)('relays a 60 KB MESSAGE', async () => {
    const body = 'x'.repeat(60 * 1024);
    const callId = alice.request('MESSAGE', bob.aor, { body });

    const received = await bob.receive(isRequest('MESSAGE'));
    bob.respond(received, 200, 'OK');

    expect(received.body.length).toBe(body.length);
    await alice.receive(isResponse(callId, 200));
    const records = await readBodies(core.bodyLogFile, (r) => r.body === body);
    expect(records.some((r) => r.body === body)).toBe(true);
  });

  it.skipIf(!available)('answers 404 for an unknown user', async () => {
    const callId = alice.request('MESSAGE', 'sip:nobody@mcptt.example', { body: 'lost' });

    const response = await alice.receive((m) => m.header('call-id') === callId);

    expect(response.startLine).toBe('SIP/2.0 404 Not Found');
  });

  it.skipIf(!available)('forgets the contacts of closed connections', async () => {
    // A browser page that reloads registers again from a new connection and never removes the
    // contact of the old one. Twelve or more such contacts, Kamailio's limit of branches, left
    // no branch for the page that is still open.
    for (let page = 0; page < RELOADED_PAGES; page += 1) {
      const closed = await RawSipClient.connect(core.url, 'carol');
      await closed.register('sip:mcptt.example');
      closed.close();
    }
    const carol = await RawSipClient.connect(core.url, 'carol');
    await carol.register('sip:mcptt.example');

    try {
      const callId = alice.request('MESSAGE', carol.aor, { body: 'after reloads 5c1e' });
      const received = await carol.receive(isRequest('MESSAGE'));
      carol.respond(received, 200, 'OK');

      expect(received.body).toBe('after reloads 5c1e');
      expect((await alice.receive(isResponse(callId, 200))).header('call-id')).toBe(callId);
    } finally {
      carol.close();
    }
  });

  it.skipIf(!available)('routes a dialog through its Record-Route', async () => {
    const callId = alice.request('INVITE', bob.aor, { body: 'v=0 offer' });
    const invite = await bob.receive(isRequest('INVITE'));
    bob.respond(invite, 200, 'OK', 'v=0 answer');
    const ok = await alice.receive(isResponse(callId, 200));

    const target = /<([^>]+)>/.exec(ok.header('contact') ?? '')?.[1] ?? '';
    const routes = ok.headers('record-route').reverse();
    alice.request('ACK', target, { callId, routes, to: bob.aor, toTag: 'tt-bob' });
    const ack = await bob.receive(isRequest('ACK'));
    alice.request('BYE', target, { callId, routes, to: bob.aor, toTag: 'tt-bob', cseq: 2 });
    const bye = await bob.receive(isRequest('BYE'));
    bob.respond(bye, 200, 'OK');

    expect(invite.body).toBe('v=0 offer');
    expect(ok.body).toBe('v=0 answer');
    expect(ack.header('call-id')).toBe(callId);
    expect((await alice.receive(isResponse(callId, 200))).header('cseq')).toBe('2 BYE');
    const isAnswer = (r: BodyRecord) => r.kind === 'reply' && r.body === 'v=0 answer';
    const records = await readBodies(core.bodyLogFile, isAnswer);
    expect(records.some(isAnswer)).toBe(true);
  });
});

describe('Kamailio process', () => {
  it.skipIf(!kamailioInstalled)('reports an exit of its own', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'sip-core-'));
    const bodyLogFile = join(folder, 'bodies.log');
    const kamailio = await startKamailio({ bodyLogFile, logFile: `${bodyLogFile}.kamailio` });

    // As if someone stopped it outside the demo: Kamailio's main process then ends its workers.
    process.kill(kamailio.pid, 'SIGTERM');
    await kamailio.exited;

    // Signal 0 only checks that the process exists.
    expect(() => process.kill(kamailio.pid, 0)).toThrow();
    await kamailio.stop();
  });
});
