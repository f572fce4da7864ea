/**
 * A verified MESSAGE whose mcptt-info or location-info does not parse is rejected with 400 at once,
 * reported to `onSecurityFailure`, and logged by Call-ID and reason without its body. Nothing of
 * it reaches the short data, alert or location callbacks.
 */
import { describe, expect, it } from 'vitest';
import type { McpttClient } from '../src/api/mcptt-client.js';
import type { SdkLogger } from '../src/core/logger.js';
import { composeMixedBody } from '../src/core/multipart-bridge.js';
import {
  LOCATION_INFO_NAMESPACE,
  LOCATION_INFO_TYPE,
  MCPTT_INFO_NAMESPACE,
  MCPTT_INFO_TYPE,
} from '../src/mcptt/media-types.js';
import { useCallHooks } from './helpers/call-hooks.js';
import { startPair } from './helpers/clients.js';
import { testCrypto } from './helpers/pki.js';

const BOB = 'sip:bob@example.org';
const SECRET = 'unit-7-at-grid-4411';
const stops = useCallHooks();

async function setUp() {
  const logs: { level: string; args: unknown[] }[] = [];
  const record =
    (level: string) =>
    (...args: unknown[]) =>
      logs.push({ level, args });
  const logger: SdkLogger = {
    debug: record('debug'),
    info: record('info'),
    warn: record('warn'),
    error: record('error'),
  };
  const callbacks: string[] = [];
  const started = await startPair({
    bob: {
      logger,
      delegate: {
        onShortData: (event) => callbacks.push(`short data ${event.text}`),
        onEmergencyAlert: () => callbacks.push('alert'),
        onLocationReport: () => callbacks.push('location'),
        onSecurityFailure: (event) =>
          callbacks.push(`failure ${event.code} ${String(event.sipStatus)} ${event.callId ?? ''}`),
      },
    },
  });
  stops.push(started.stop);
  return { alice: started.alice, wire: started.wire, logs, callbacks };
}

/** Sends a MESSAGE as alice and resolves with the final status and the Call-ID. */
function send(
  alice: McpttClient,
  body: string,
  contentType: string,
): Promise<{ status: number; callId: string }> {
  return new Promise((resolve) => {
    const done = (event: { response: unknown }) => {
      const response = event.response as { status_code: number; call_id: string };
      resolve({ status: response.status_code, callId: response.call_id });
    };
    alice.ua.sendMessage(BOB, body, {
      contentType,
      eventHandlers: { succeeded: done, failed: done },
    });
  });
}

const MALFORMED_INFO = `<mcpttinfo xmlns="${MCPTT_INFO_NAMESPACE}"><mcptt-Params><alert-ind>${SECRET}</alert-ind></mcptt-Params></mcpttinfo>`;
const MALFORMED_LOCATION = [
  `<location-info xmlns="${LOCATION_INFO_NAMESPACE}"><Report ReportType="Emergency">`,
  '<CurrentLocation><CurrentCoordinate>',
  `<longitude>2.25</longitude><latitude>${SECRET}</latitude>`,
  '</CurrentCoordinate></CurrentLocation></Report></location-info>',
].join('');

describe('a verified MESSAGE with malformed MCPTT content', () => {
  it.each([
    ['mcptt-info', MCPTT_INFO_TYPE, MALFORMED_INFO],
    ['location-info', LOCATION_INFO_TYPE, MALFORMED_LOCATION],
  ])('rejects a malformed %s with 400', async (part, type, xml) => {
    const { alice, wire, logs, callbacks } = await setUp();
    const parts = [
      { contentType: type, body: xml },
      { contentType: 'text/plain;charset=utf-8', body: 'hello' },
    ];
    const { contentType, body } = composeMixedBody(undefined, parts, testCrypto);

    const { status, callId } = await send(alice, body, contentType);

    expect(status).toBe(400);
    const responses = wire
      .filter((frame) => frame.startsWith('SIP/2.0 ') && frame.includes(`Call-ID: ${callId}`))
      .map((frame) => frame.split('\r\n', 1)[0]);
    expect(responses).toEqual(['SIP/2.0 400 Bad Request']);
    expect(callbacks).toEqual([`failure ERR_MIME_MALFORMED 400 ${callId}`]);
    const warnings = logs.filter((entry) => entry.level === 'warn');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.args[2]).toMatchObject({
      callId,
      reason: `${part} part malformed`,
      code: 'ERR_MIME_MALFORMED',
      sipStatus: 400,
    });
    expect(JSON.stringify(logs)).not.toContain(SECRET);
    expect(JSON.stringify(logs)).not.toContain('hello');
  });

  it('delivers well-formed content', async () => {
    const { alice, callbacks } = await setUp();

    await alice.sendShortData(BOB, 'hello');

    expect(callbacks).toEqual(['short data hello']);
  });
});
