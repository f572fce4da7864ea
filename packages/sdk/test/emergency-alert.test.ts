/**
 * Emergency alerts relayed by the MCPTT server: the alert reaches the application with or
 * without a location, even when the location cannot be read, and its cancellation reaches a
 * callback of its own.
 */
import { describe, expect, it } from 'vitest';
import {
  BOUND_HEADERS,
  SipMessage,
  protectMessage,
  unprotectMessage,
  utf8Decode,
  utf8Encode,
} from '@mcptt-smime/smime';

import type { EmergencyAlertEvent } from '../src/api/events.js';
import { composeMixedBody, type BodyPart } from '../src/core/multipart-bridge.js';
import { buildLocationInfo } from '../src/mcptt/location-info.js';
import { buildMcpttInfo, parseMcpttInfo } from '../src/mcptt/mcptt-info.js';
import {
  LOCATION_INFO_NAMESPACE,
  LOCATION_INFO_TYPE,
  MCPTT_INFO_TYPE,
} from '../src/mcptt/media-types.js';
import { useCallHooks } from './helpers/call-hooks.js';
import { testCrypto } from './helpers/pki.js';
import { createSocketClient } from './helpers/socket-client.js';
import { until } from './helpers/until.js';
import { getTestPki } from '../../smime/test/smime/test-pki.js';

const ALICE = 'sip:alice@example.org';
const CAROL = 'sip:carol@example.org';
const GROUP = 'sip:engine-1@example.org';
/** The MCPTT server, which the tests play with bob's identity and certificate. */
const SERVER = 'sip:bob@example.org';
/** A location whose coordinates lack the CurrentLocation element around them. */
const UNREADABLE_LOCATION =
  `<location-info xmlns="${LOCATION_INFO_NAMESPACE}"><Report ReportType="Emergency">` +
  '<CurrentCoordinate><latitude>52.52</latitude><longitude>13.40</longitude></CurrentCoordinate>' +
  '</Report></location-info>';

const stops = useCallHooks();

/**
 * Returns the server's signed MESSAGE to alice that relays carol's alert, or its cancellation,
 * signed `secondsLater` after the test PKI's clock.
 */
async function relayedAlert(alert: boolean, location?: string, secondsLater = 0): Promise<string> {
  const pki = await getTestPki();
  const info = buildMcpttInfo({
    callingUserId: CAROL,
    callingGroupId: GROUP,
    emergency: alert,
    alert,
  });
  const parts: BodyPart[] = [{ contentType: MCPTT_INFO_TYPE, body: info }];
  if (location !== undefined) parts.push({ contentType: LOCATION_INFO_TYPE, body: location });
  const { contentType, body } = composeMixedBody(undefined, parts, testCrypto);
  const bytes = utf8Encode(body);
  const text = [
    `MESSAGE ${ALICE} SIP/2.0`,
    'Via: SIP/2.0/WS 127.0.0.1:9;branch=z9hG4bKalert1',
    'Max-Forwards: 70',
    `From: <${SERVER}>;tag=s1`,
    `To: <${ALICE}>`,
    `Call-ID: alert-${String(alert)}-${String(secondsLater)}`,
    'CSeq: 1 MESSAGE',
    `Content-Type: ${contentType}`,
    `Content-Length: ${String(bytes.length)}`,
    '',
    body,
  ].join('\r\n');
  const sealed = await protectMessage(SipMessage.parse(utf8Encode(text)), {
    crypto: testCrypto,
    signer: await pki.identity('bob'),
    recipients: [pki.certificate('alice')],
    now: () => new Date(pki.now.getTime() + secondsLater * 1000),
    bindHeaders: BOUND_HEADERS,
  });
  return utf8Decode(sealed.toBytes());
}

/**
 * Starts alice's client, delivers the messages one after the other, and returns what the
 * application heard and the status line of each response.
 */
async function deliver(...messages: string[]) {
  const alerts: EmergencyAlertEvent[] = [];
  const cancellations: EmergencyAlertEvent[] = [];
  const others: string[] = [];
  const { client, socket } = await createSocketClient({
    serverUri: SERVER,
    delegate: {
      onEmergencyAlert: (event) => alerts.push(event),
      onEmergencyAlertCancelled: (event) => cancellations.push(event),
      onShortData: () => others.push('short data'),
      onLocationReport: () => others.push('location report'),
      onSecurityFailure: (event) => others.push(`failure ${event.code}`),
    },
  });
  stops.push(() => client.stop());
  await client.start();
  const responses = () => socket.sent.filter((frame) => frame.startsWith('SIP/2.0 '));
  for (const [index, message] of messages.entries()) {
    socket.receive(message);
    await until(() => responses().length > index);
  }
  const statuses = responses().map((frame) => frame.split('\r\n', 1)[0]);
  return { alerts, cancellations, others, status: statuses[0], statuses };
}

describe('an emergency alert from the server', () => {
  it('reaches the application without a location', async () => {
    const { alerts, others, status } = await deliver(await relayedAlert(true));

    expect(status).toBe('SIP/2.0 200 OK');
    expect(alerts).toHaveLength(1);
    expect(alerts[0]?.from).toBe(CAROL);
    expect(alerts[0]?.info.callingGroupId).toBe(GROUP);
    expect(alerts[0]?.location).toBeUndefined();
    expect(others).toEqual([]);
  });

  it('carries its location', async () => {
    const location = buildLocationInfo({
      reportType: 'Emergency',
      latitude: 52.52,
      longitude: 13.4,
    });

    const { alerts, status } = await deliver(await relayedAlert(true, location));

    expect(status).toBe('SIP/2.0 200 OK');
    expect(alerts[0]?.location).toMatchObject({ latitude: 52.52, longitude: 13.4 });
  });

  it('reaches the application when its location cannot be read', async () => {
    const { alerts, others, status } = await deliver(await relayedAlert(true, UNREADABLE_LOCATION));

    expect(status).toBe('SIP/2.0 200 OK');
    expect(alerts).toHaveLength(1);
    expect(alerts[0]?.location).toBeUndefined();
    expect(others).toEqual([]);
  });

  it('reports its cancellation apart', async () => {
    const { alerts, cancellations, others, status } = await deliver(await relayedAlert(false));

    expect(status).toBe('SIP/2.0 200 OK');
    expect(cancellations).toHaveLength(1);
    expect(cancellations[0]?.info.alert).toBe(false);
    expect(cancellations[0]?.from).toBe(CAROL);
    expect(alerts).toEqual([]);
    expect(others).toEqual([]);
  });
});

describe('emergency alerts out of order', () => {
  it('rejects an alert held back past its cancellation', async () => {
    const cancellation = await relayedAlert(false, undefined, 10);
    const heldBack = await relayedAlert(true);

    const { alerts, cancellations, others, statuses } = await deliver(cancellation, heldBack);

    expect(statuses).toEqual([
      'SIP/2.0 200 OK',
      'SIP/2.0 403 Forbidden, superseded by a later emergency alert',
    ]);
    expect(cancellations).toHaveLength(1);
    expect(alerts).toEqual([]);
    expect(others).toEqual([]);
  });

  it('takes a new alert after its cancellation', async () => {
    const cancellation = await relayedAlert(false);
    const raisedAgain = await relayedAlert(true, undefined, 10);

    const { alerts, cancellations, statuses } = await deliver(cancellation, raisedAgain);

    expect(statuses).toEqual(['SIP/2.0 200 OK', 'SIP/2.0 200 OK']);
    expect(cancellations).toHaveLength(1);
    expect(alerts).toHaveLength(1);
  });

  it('takes alerts signed within one second in arrival order', async () => {
    const alert = await relayedAlert(true);
    const cancellation = await relayedAlert(false);

    const { alerts, cancellations, statuses } = await deliver(cancellation, alert);

    expect(statuses).toEqual(['SIP/2.0 200 OK', 'SIP/2.0 200 OK']);
    expect(cancellations).toHaveLength(1);
    expect(alerts).toHaveLength(1);
  });
});

describe('an emergency alert from this client', () => {
  /** Starts alice's client, whose server is bob, and returns it with its socket. */
  async function startAlice() {
    const { client, socket } = await createSocketClient({ serverUri: SERVER });
    stops.push(() => client.stop());
    await client.start();
    return { client, socket };
  }

  /** Opens, as the server, the MESSAGE that alice sent last, and returns its mcptt-info. */
  async function lastMcpttInfo(sent: readonly string[]) {
    const pki = await getTestPki();
    const text = sent.filter((frame) => frame.startsWith('MESSAGE ')).at(-1) ?? '';
    const opened = await unprotectMessage(SipMessage.parse(utf8Encode(text)), {
      crypto: testCrypto,
      identity: await pki.identity('bob'),
      trustAnchors: [pki.caCertificate],
      now: () => pki.now,
    });
    const part = opened.parts.find(
      (candidate) => candidate.contentType.mediaType === MCPTT_INFO_TYPE,
    );
    return parseMcpttInfo(utf8Decode(part?.decodedBody() ?? new Uint8Array()));
  }

  it('cancels an alert for its group', async () => {
    const { client, socket } = await startAlice();

    client.cancelEmergencyAlert(SERVER, GROUP).catch(() => undefined);
    await until(() => socket.sent.some((frame) => frame.startsWith('MESSAGE ')));

    expect(await lastMcpttInfo(socket.sent)).toMatchObject({
      requestUri: GROUP,
      alert: false,
      emergency: false,
    });
  });

  it('sends the alert for its group', async () => {
    const { client, socket } = await startAlice();

    client.sendEmergencyAlert(SERVER, GROUP).catch(() => undefined);
    await until(() => socket.sent.some((frame) => frame.startsWith('MESSAGE ')));

    expect(await lastMcpttInfo(socket.sent)).toMatchObject({
      requestUri: GROUP,
      alert: true,
      emergency: true,
    });
  });

  it('rejects a location out of range without sending', async () => {
    const { client, socket } = await startAlice();
    const location = { reportType: 'Emergency', latitude: 148.85, longitude: 13.4 } as const;

    const alerting = client.sendEmergencyAlert(SERVER, GROUP, location);
    const reporting = client.sendLocationReport(SERVER, location);

    await expect(alerting).rejects.toThrow(TypeError);
    await expect(reporting).rejects.toThrow('latitude must be between -90 and 90');
    expect(socket.sent.filter((frame) => frame.startsWith('MESSAGE '))).toEqual([]);
  });
});
