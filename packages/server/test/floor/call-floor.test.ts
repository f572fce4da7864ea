import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CallFloor } from '../../src/floor/call-floor.js';
import { hasImplicitFloorRequest } from '../../src/floor/implicit-request.js';
import { MediaLeg } from '../../src/media-leg.js';
import { MediaRelay } from '../../src/media-relay.js';
import { FloorPeer } from './floor-peer.js';

const logger = pino({ level: 'silent' });
const uriOf = (name: string) => `sip:${name}@mcptt.example`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Sends audio from every peer every 20 ms until the returned function is called. */
function talkContinuously(peers: readonly FloorPeer[]): () => Promise<void> {
  let running = true;
  const loop = (async () => {
    while (running) {
      await Promise.all(peers.map((peer) => peer.talk()));
      await sleep(20);
    }
  })();
  return async () => {
    running = false;
    await loop;
  };
}

describe('call floor with media', () => {
  const peers = new Map<string, FloorPeer>();
  let talker: string | undefined;
  let relay: MediaRelay;
  let floor: CallFloor;
  const peer = (name: string) => peers.get(name) as FloorPeer;

  /** Connects a participant that offers, as a caller does. */
  async function joinAsCaller(name: string, implicitRequest: boolean): Promise<void> {
    const client = new FloorPeer(name);
    peers.set(name, client);
    const leg = await MediaLeg.answer(await client.offer(), logger);
    await client.accept(leg.localSdp);
    relay.add(`leg-${name}`, uriOf(name), leg);
    floor.attach(uriOf(name), leg.negotiatedFloorChannel);
    if (implicitRequest) floor.implicitRequest(uriOf(name));
    await client.opened();
  }

  /** Connects a participant that answers the server's offer, as an invited member does. */
  async function joinAsMember(name: string, emergency = false): Promise<void> {
    const client = new FloorPeer(name);
    peers.set(name, client);
    const leg = await MediaLeg.offer(logger);
    await leg.acceptAnswer(await client.answer(leg.localSdp));
    relay.add(`leg-${name}`, uriOf(name), leg);
    floor.attach(uriOf(name), leg.negotiatedFloorChannel, emergency);
    await client.opened();
  }

  beforeAll(() => {
    relay = new MediaRelay(() => talker);
    floor = new CallFloor({
      logger,
      onHolderChange: (holder) => {
        talker = holder;
      },
    });
  });

  afterAll(async () => {
    floor.close();
    await relay.close();
    await Promise.all([...peers.values()].map((client) => client.close()));
  });

  it('grants the implicit request of the caller', async () => {
    await joinAsCaller('alice', true);

    await expect.poll(() => peer('alice').types()).toEqual(['floor-idle', 'floor-granted']);
    expect(floor.holder()).toBe(uriOf('alice'));
  });

  it('tells members who talk on late entry', async () => {
    await joinAsMember('bob');
    await joinAsCaller('carol', false);

    for (const name of ['bob', 'carol']) {
      await expect
        .poll(() => peer(name).last())
        .toEqual({
          type: 'floor-taken',
          grantedParty: uriOf('alice'),
          permissionToRequest: true,
          emergency: false,
        });
    }
  });

  it('forwards only the holder', async () => {
    const stop = talkContinuously([peer('alice'), peer('bob')]);
    await expect.poll(() => peer('carol').from('alice'), { timeout: 5000 }).toBeGreaterThan(10);
    await stop();
    await sleep(100);

    expect(peer('bob').from('alice')).toBeGreaterThan(0);
    expect(peer('carol').from('bob')).toBe(0);
    expect(peer('alice').from('bob')).toBe(0);
  });

  it('passes the floor through the queue', async () => {
    peer('bob').send({ type: 'floor-request', priority: 3 });
    await expect.poll(() => peer('bob').last()?.type).toBe('floor-queue-position-info');

    peer('alice').send({ type: 'floor-release' });
    await expect.poll(() => peer('bob').last()?.type).toBe('floor-granted');
    expect(floor.holder()).toBe(uriOf('bob'));

    const before = peer('carol').from('alice');
    const stop = talkContinuously([peer('alice'), peer('bob')]);
    await expect.poll(() => peer('carol').from('bob'), { timeout: 5000 }).toBeGreaterThan(10);
    await stop();
    await sleep(100);
    expect(peer('carol').from('alice')).toBe(before);
  });

  it('lets an emergency participant pre-empt', async () => {
    await joinAsMember('dave', true);
    peer('dave').send({ type: 'floor-request', priority: 0 });

    await expect
      .poll(() => peer('dave').last())
      .toMatchObject({
        type: 'floor-granted',
        emergency: true,
      });
    await expect.poll(() => peer('bob').types().slice(-2)).toEqual(['floor-revoke', 'floor-taken']);
    expect(
      peer('bob').floor.find((entry) => entry.message.type === 'floor-revoke')?.message,
    ).toEqual({ type: 'floor-revoke', cause: 4 });

    const before = peer('carol').from('bob');
    const stop = talkContinuously([peer('bob'), peer('dave')]);
    await expect.poll(() => peer('carol').from('dave'), { timeout: 5000 }).toBeGreaterThan(10);
    await stop();
    await sleep(100);
    expect(peer('carol').from('bob')).toBe(before);
  });

  it('makes the floor idle when the talker leaves', async () => {
    await relay.remove('leg-dave');

    await expect.poll(() => peer('carol').last()?.type, { timeout: 5000 }).toBe('floor-idle');
    expect(floor.holder()).toBeUndefined();
    expect(talker).toBeUndefined();
  });
});

describe('call floor without a channel', () => {
  it('queues participants without floor channels', () => {
    const floor = new CallFloor({ logger });
    floor.attach(uriOf('alice'), undefined);
    floor.attach(uriOf('bob'), undefined);

    expect(floor.request(uriOf('alice'), 0, 'info')).toBe('granted');
    expect(floor.request(uriOf('bob'), 0, 'info')).toBe('queued');
    floor.release(uriOf('alice'));

    expect(floor.holder()).toBe(uriOf('bob'));
    floor.close();
  });

  it('pre-empts without floor channels', () => {
    const floor = new CallFloor({ logger });
    floor.attach(uriOf('alice'), undefined);
    floor.attach(uriOf('dave'), undefined, true);
    floor.request(uriOf('alice'), 7, 'info');

    expect(floor.request(uriOf('dave'), 0, 'info')).toBe('preempted');
    expect(floor.holder()).toBe(uriOf('dave'));
    floor.close();
  });
});

describe('implicit floor request', () => {
  const info = (floorState: string) =>
    `<mcpttinfo xmlns="urn:3gpp:ns:mcpttInfo:1.0"><mcptt-Params><floor-state>${floorState}</floor-state></mcptt-Params></mcpttinfo>`;

  it('is the default', () => {
    expect(hasImplicitFloorRequest('<mcpttinfo><mcptt-Params/></mcpttinfo>')).toBe(true);
    expect(hasImplicitFloorRequest(undefined)).toBe(true);
  });

  it('reads implicit-request', () => {
    expect(hasImplicitFloorRequest(info('implicit-request'))).toBe(true);
  });

  it('reads no-request', () => {
    expect(hasImplicitFloorRequest(info(' no-request '))).toBe(false);
    expect(hasImplicitFloorRequest(info('<mcpttString>no-request</mcpttString>'))).toBe(false);
  });
});
