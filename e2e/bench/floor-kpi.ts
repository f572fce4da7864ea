/**
 * Floor control figures of TS 22.179 in a protected group call on 127.0.0.1: the reference
 * server behind the SIP core (Kamailio when installed, else the embedded relay), users that sign
 * and encrypt their SIP bodies with `@mcptt-smime/smime`, and werift peers in place of browsers
 * for audio and the floor channel. The last line of output is one JSON object with the p95 of
 * each figure in ms.
 *
 * - KPI 1, MCPTT access time: Floor Request sent to Floor Granted received, with the call up.
 * - KPI 2, end-to-end access time: from the caller starting the call (SDP offer, protected
 *   INVITE, answer, ICE, DTLS, SCTP) to Floor Granted for its implicit request.
 * - KPI 3, mouth-to-ear proxy: the talker's RTP packet sent to the listener's copy received.
 * - KPI 4, late entry: a user joins the running call with its own INVITE; from the start of
 *   that call set-up to Floor Taken naming the talker.
 *
 * NOTE: this is a Node run, not a browser run: there is no JsSIP, no audio device, codec or
 * jitter buffer, so KPI 3 is a lower bound of mouth-to-ear latency.
 *
 * Run: `npm run bench:floor -w @mcptt-smime/e2e` (MCPTT_BENCH_RUNS sets the number of calls, default 20;
 * MCPTT_CORE=relay forces the relay).
 */
import { findKamailio } from '@mcptt-smime/sip-core';
import { MEDIA_TYPES, readParts, textPart } from '../../packages/server/src/body-parts.js';
import { createUacDialog, type Dialog } from '../../packages/server/src/dialog.js';
import type { FloorMessage } from '@mcptt-smime/floor';
import { buildMcpttInfo } from '../../packages/server/src/mcptt-xml.js';
import {
  McpttTestClient,
  SERVER_URI,
  textOf,
} from '../../packages/server/test/helpers/mcptt-test-client.js';
import { GROUP_ID, startFixture } from '../../packages/server/test/helpers/server-fixture.js';
import { FloorPeer } from '../../packages/server/test/floor/floor-peer.js';

const RUNS = Number(process.env['MCPTT_BENCH_RUNS'] ?? 20);
const PACKETS_PER_RUN = 10;
const CORE =
  process.env['MCPTT_CORE'] !== 'relay' && findKamailio() !== undefined ? 'kamailio' : 'relay';

const samples = {
  kpi1: [] as number[],
  kpi2: [] as number[],
  kpi3: [] as number[],
  kpi4: [] as number[],
};
const mcpttInfo = (info: Parameters<typeof buildMcpttInfo>[0]) =>
  textPart(MEDIA_TYPES.mcpttInfo, buildMcpttInfo(info));

/** Resolves with the arrival time of the first floor message of `type` at index `from` or later. */
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
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

/**
 * Sends a protected group-call INVITE with `peer`'s offer and returns the dialog. Without
 * `implicitRequest`, its mcptt-info carries `floor-state` `no-request`.
 */
async function callGroup(
  user: McpttTestClient,
  peer: FloorPeer,
  implicitRequest: boolean,
): Promise<Dialog> {
  const info = buildMcpttInfo({ sessionType: 'prearranged', callingGroupId: GROUP_ID });
  const floorState = implicitRequest
    ? info
    : info.replace(
        '  </mcptt-Params>',
        '    <floor-state>no-request</floor-state>\r\n  </mcptt-Params>',
      );
  const invite = await user.protect(
    user.request('INVITE', SERVER_URI, [
      textPart(MEDIA_TYPES.sdp, await peer.offer()),
      textPart(MEDIA_TYPES.mcpttInfo, floorState),
    ]),
  );
  const response = await user.send(invite);
  const dialog = createUacDialog(invite, response);
  user.post(user.inDialog(dialog, 'ACK', []));
  await peer.accept(textOf(readParts(await user.open(response)), MEDIA_TYPES.sdp) ?? '');
  return dialog;
}

async function publish(user: McpttTestClient, event: string, part: ReturnType<typeof textPart>) {
  const request = await user.protect(
    user.request('PUBLISH', SERVER_URI, [part], [{ name: 'Event', value: event }]),
  );
  await user.send(request);
}

const affiliation = (group: string) =>
  textPart(
    MEDIA_TYPES.pidf,
    `<?xml version="1.0"?><presence xmlns="urn:ietf:params:xml:ns:pidf" xmlns:m="urn:3gpp:ns:mcpttPresInfo:1.0" entity="x"><tuple id="c1"><status><m:affiliation group="${group}"/></status></tuple></presence>`,
  );

async function oneCall(users: Record<string, McpttTestClient>, record: boolean): Promise<void> {
  const peers: FloorPeer[] = [];
  let bob: FloorPeer | undefined;
  users['bob']!.answerSdp = async (offer) => {
    bob = new FloorPeer('bob');
    peers.push(bob);
    return bob.answer(offer);
  };
  const alice = new FloorPeer('alice');
  const carol = new FloorPeer('carol');
  peers.push(alice, carol);
  try {
    const setupStart = performance.now();
    const aliceDialog = await callGroup(users['alice']!, alice, true);
    const kpi2 = (await floorMessage(alice, 'floor-granted')) - setupStart;
    while (bob === undefined) await new Promise((resolve) => setTimeout(resolve, 5));
    const listener: FloorPeer = bob;
    await floorMessage(listener, 'floor-taken');

    const joinStart = performance.now();
    await callGroup(users['carol']!, carol, false);
    const kpi4 = (await floorMessage(carol, 'floor-taken')) - joinStart;

    const seen = alice.floor.length;
    alice.send({ type: 'floor-release' });
    await floorMessage(listener, 'floor-idle');
    await floorMessage(alice, 'floor-idle', seen);
    const pressed = performance.now();
    const aliceSeen = alice.floor.length;
    alice.send({ type: 'floor-request', priority: 0 });
    const kpi1 = (await floorMessage(alice, 'floor-granted', aliceSeen)) - pressed;

    const kpi3: number[] = [];
    for (let i = 0; i < PACKETS_PER_RUN; i += 1) {
      const received = listener.from('alice');
      const sent = performance.now();
      await alice.talk();
      const deadline = sent + 2000;
      while (listener.from('alice') === received && performance.now() < deadline) {
        await new Promise((resolve) => setImmediate(resolve));
      }
      const copy = listener.audio.filter((packet) => packet.from === 'alice')[received];
      if (copy !== undefined) kpi3.push(copy.at - sent);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }

    // The originator's BYE ends the prearranged call for everyone.
    await users['alice']!.send(users['alice']!.inDialog(aliceDialog, 'BYE', []));
    if (record) {
      samples.kpi1.push(kpi1);
      samples.kpi2.push(kpi2);
      samples.kpi3.push(...kpi3);
      samples.kpi4.push(kpi4);
    }
  } finally {
    await Promise.all(peers.map((peer) => peer.close()));
  }
}

function p95(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.95) - 1);
  return Math.round((sorted[index] ?? 0) * 100) / 100;
}

const fixture = await startFixture(CORE);
const users: Record<string, McpttTestClient> = {};
try {
  for (const name of ['alice', 'bob', 'carol']) {
    const user = await McpttTestClient.connect(fixture.coreUrl, name, fixture.pki, fixture.pki);
    users[name] = user;
    await user.bind();
    await publish(user, 'poc-settings', mcpttInfo({ clientId: `${name}-1` }));
  }
  // Carol is not affiliated, so she is not invited and joins the running call herself.
  await publish(users['alice']!, 'presence', affiliation(GROUP_ID));
  await publish(users['bob']!, 'presence', affiliation(GROUP_ID));

  await oneCall(users, false);
  for (let run = 0; run < RUNS; run += 1) {
    await oneCall(users, true);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
} finally {
  await fixture.stop();
  for (const user of Object.values(users)) user.close();
}

console.log(
  `floor KPIs through ${CORE} in Node, ${RUNS} calls, ${PACKETS_PER_RUN} packets per call, ` +
    'werift peers in place of browsers',
);
console.log(
  JSON.stringify({
    kpi1_p95_ms: p95(samples.kpi1),
    kpi2_p95_ms: p95(samples.kpi2),
    kpi3_p95_ms: p95(samples.kpi3),
    kpi4_p95_ms: p95(samples.kpi4),
  }),
);
