/**
 * Floor control figures of TS 22.179, measured in Node on 127.0.0.1 against the server's own
 * media and floor modules (werift legs, the media relay, the floor arbitrator), with werift
 * peers standing in for browsers. The last line of output is one JSON object with the p95 of
 * each figure in ms.
 *
 * - KPI 1, access time: Floor Request sent to Floor Granted received, with the call up.
 * - KPI 2, access time with set-up: from the caller's SDP offer to Floor Granted for its implicit
 *   request (ICE, DTLS, SCTP and the floor channel).
 * - KPI 3, mouth-to-ear proxy: the talker's RTP packet sent to the listener's copy received.
 * - KPI 4, late entry: from a member's leg being created to Floor Taken received.
 *
 * NOTE: this is not a browser run and has no SIP signalling: KPI 2 and KPI 4 leave out the
 * S/MIME-protected INVITE through the SIP core (measured by group-call-setup.ts) and include
 * only the media and floor set-up. KPI 3 has no codec, jitter buffer or audio device.
 *
 * Run: `npx tsx e2e/bench/floor-kpi.ts` (MCPTT_BENCH_RUNS sets the number of calls, default 20).
 */
import { pino } from 'pino';
import { CallFloor } from '../../packages/server/src/floor/call-floor.js';
import type { FloorMessage } from '../../packages/server/src/floor/floor-messages.js';
import { MediaLeg } from '../../packages/server/src/media-leg.js';
import { MediaRelay } from '../../packages/server/src/media-relay.js';
import { FloorPeer } from '../../packages/server/test/floor/floor-peer.js';

const RUNS = Number(process.env['MCPTT_BENCH_RUNS'] ?? 20);
const PACKETS_PER_RUN = 10;
const logger = pino({ level: 'silent' });

const samples = {
  kpi1: [] as number[],
  kpi2: [] as number[],
  kpi3: [] as number[],
  kpi4: [] as number[],
};

/** Resolves with the arrival time of the first floor message of `type` after `from`. */
async function floorMessage(
  peer: FloorPeer,
  type: FloorMessage['type'],
  from = 0,
): Promise<number> {
  const deadline = performance.now() + 5000;
  for (;;) {
    const found = peer.floor.slice(from).find((entry) => entry.message.type === type);
    if (found !== undefined) return found.at;
    if (performance.now() > deadline) throw new Error(`${peer.name}: no ${type} within 5 s`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

async function oneCall(record: boolean): Promise<void> {
  let talker: string | undefined;
  const relay = new MediaRelay(() => talker);
  const floor = new CallFloor({ logger, onHolderChange: (holder) => (talker = holder) });
  const peers: FloorPeer[] = [];
  try {
    // KPI 2: the caller's offer to the grant of its implicit request.
    const alice = new FloorPeer('alice');
    peers.push(alice);
    const setupStart = performance.now();
    const aliceLeg = await MediaLeg.answer(await alice.offer(), logger);
    await alice.accept(aliceLeg.localSdp);
    relay.add('alice', 'alice', aliceLeg);
    floor.attach('alice', aliceLeg.floorChannel);
    floor.implicitRequest('alice');
    const kpi2 = (await floorMessage(alice, 'floor-granted')) - setupStart;

    // KPI 4: members join the running call.
    const kpi4: number[] = [];
    for (const name of ['bob', 'carol']) {
      const member = new FloorPeer(name);
      peers.push(member);
      const joinStart = performance.now();
      const leg = await MediaLeg.offer(logger);
      await leg.acceptAnswer(await member.answer(leg.localSdp));
      relay.add(name, name, leg);
      floor.attach(name, leg.floorChannel);
      kpi4.push((await floorMessage(member, 'floor-taken')) - joinStart);
    }
    const [, bob, carol] = peers as [FloorPeer, FloorPeer, FloorPeer];

    // KPI 1: Bob presses once Alice has released.
    const bobSeen = bob.floor.length;
    alice.send({ type: 'floor-release' });
    await floorMessage(bob, 'floor-idle', bobSeen);
    const grantedSeen = bob.floor.length;
    const pressed = performance.now();
    bob.send({ type: 'floor-request', priority: 0 });
    const kpi1 = (await floorMessage(bob, 'floor-granted', grantedSeen)) - pressed;

    // KPI 3: Bob's packets to Carol's copies.
    const kpi3: number[] = [];
    for (let i = 0; i < PACKETS_PER_RUN; i += 1) {
      const received = carol.from('bob');
      const sent = performance.now();
      await bob.talk();
      const deadline = sent + 2000;
      while (carol.from('bob') === received && performance.now() < deadline) {
        await new Promise((resolve) => setImmediate(resolve));
      }
      const copy = carol.audio.filter((packet) => packet.from === 'bob')[received];
      if (copy !== undefined) kpi3.push(copy.at - sent);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }

    if (record) {
      samples.kpi1.push(kpi1);
      samples.kpi2.push(kpi2);
      samples.kpi3.push(...kpi3);
      samples.kpi4.push(...kpi4);
    }
  } finally {
    floor.close();
    await relay.close();
    await Promise.all(peers.map((peer) => peer.close()));
  }
}

function p95(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.95) - 1);
  return Math.round((sorted[index] ?? 0) * 100) / 100;
}

await oneCall(false);
for (let run = 0; run < RUNS; run += 1) {
  await oneCall(true);
}
console.log(
  `floor KPIs in Node on loopback, ${RUNS} calls, ${PACKETS_PER_RUN} packets per call, ` +
    'no SIP signalling and no browser',
);
console.log(
  JSON.stringify({
    kpi1_p95_ms: p95(samples.kpi1),
    kpi2_p95_ms: p95(samples.kpi2),
    kpi3_p95_ms: p95(samples.kpi3),
    kpi4_p95_ms: p95(samples.kpi4),
  }),
);
