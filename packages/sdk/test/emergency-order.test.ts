/**
 * The order of the server's signed UPDATEs about a call's emergency state. The SIP core can
 * delay one of them and deliver it after a later one. JsSIP's dialog rejects a request whose CSeq
 * is lower than the last one it took (RFC 3261 §12.2.2), so the late UPDATE must not change the
 * state that the later one set.
 */
import { describe, expect, it } from 'vitest';
import { utf8Decode, type SipMessage } from '@mcptt-smime/smime';

import { attachParts } from '../src/core/multipart-bridge.js';
import { buildMcpttInfo, parseMcpttInfo } from '../src/mcptt/mcptt-info.js';
import { MCPTT_INFO_TYPE } from '../src/mcptt/media-types.js';
import { useCallHooks } from './helpers/call-hooks.js';
import { ALICE, SERVER, establishedCall, requestInDialog, sent } from './helpers/group-call.js';
import { testCrypto } from './helpers/pki.js';
import { until } from './helpers/until.js';

const stops = useCallHooks();

function emergencyParts(emergency: boolean) {
  return [{ contentType: MCPTT_INFO_TYPE, body: buildMcpttInfo({ emergency }) }];
}

describe('a delayed emergency UPDATE of the server', () => {
  it('keeps the later state', async () => {
    const started = await establishedCall(stops, { emergency: true });
    const { socket, call, invite, sign } = started;
    const changes: boolean[] = [];
    const reported: (boolean | undefined)[] = [];
    call.delegate = {
      onEmergencyChange: (emergency) => changes.push(emergency),
      onParts: (event) => reported.push(parseMcpttInfo(event.parts[0]?.body ?? '').emergency),
    };
    // The server cancelled the emergency (CSeq 8), then another participant upgraded the call
    // again (CSeq 9). The core delays the cancellation and delivers it last.
    const cancelled = await sign(
      'bob',
      attachParts(requestInDialog(invite, SERVER, 'UPDATE', 8), emergencyParts(false), testCrypto),
    );
    const upgradedAgain = await sign(
      'bob',
      attachParts(requestInDialog(invite, SERVER, 'UPDATE', 9), emergencyParts(true), testCrypto),
    );

    socket.receive(upgradedAgain);
    await until(() => sent(socket, 'SIP/2.0 ').length === 1);
    socket.receive(cancelled);
    await until(() => sent(socket, 'SIP/2.0 ').length === 2);

    // JsSIP rejects the late request with 500, so the call must stay an emergency call.
    expect(sent(socket, 'SIP/2.0 ')[1]?.split('\r\n')[0]).toMatch(/^SIP\/2\.0 500 /);
    expect(call.emergency).toBe(true);
    expect(changes).toEqual([]);
    // The application hears only of the UPDATE that JsSIP took.
    expect(reported).toEqual([true]);
  });

  it('keeps the state when a later request carries no emergency-ind', async () => {
    const started = await establishedCall(stops, { emergency: true });
    const { socket, call, invite, sign } = started;
    const changes: boolean[] = [];
    call.delegate = { onEmergencyChange: (emergency) => changes.push(emergency) };
    // The server cancelled the emergency (CSeq 8), then sent an UPDATE whose mcptt-info has no
    // emergency-ind (CSeq 9). The core delays the cancellation and delivers it last.
    const cancelled = await sign(
      'bob',
      attachParts(requestInDialog(invite, SERVER, 'UPDATE', 8), emergencyParts(false), testCrypto),
    );
    const refresh = await sign(
      'bob',
      attachParts(
        requestInDialog(invite, SERVER, 'UPDATE', 9),
        [{ contentType: MCPTT_INFO_TYPE, body: buildMcpttInfo({}) }],
        testCrypto,
      ),
    );

    socket.receive(refresh);
    await until(() => sent(socket, 'SIP/2.0 ').length === 1);
    expect(sent(socket, 'SIP/2.0 ')[0]?.split('\r\n')[0]).toMatch(/^SIP\/2\.0 200 /);
    socket.receive(cancelled);
    await until(() => sent(socket, 'SIP/2.0 ').length === 2);

    // JsSIP rejects the late request with 500 for its CSeq below 9, so nothing changes.
    expect(sent(socket, 'SIP/2.0 ')[1]?.split('\r\n')[0]).toMatch(/^SIP\/2\.0 500 /);
    expect(call.emergency).toBe(true);
    expect(changes).toEqual([]);
  });

  /**
   * Delivers `clear`, a request in clear of the core, and then the server's signed UPDATE that
   * upgrades the call, each once the previous one was answered. Returns the UPDATE's status line.
   */
  async function upgradeAfter(
    started: Awaited<ReturnType<typeof establishedCall>>,
    clear: SipMessage,
  ): Promise<string | undefined> {
    const { socket, invite, sign } = started;
    const upgraded = await sign(
      'bob',
      attachParts(requestInDialog(invite, SERVER, 'UPDATE', 8), emergencyParts(true), testCrypto),
    );

    socket.receive(utf8Decode(clear.toBytes()));
    await until(() => sent(socket, 'SIP/2.0 ').length === 1);
    socket.receive(upgraded);
    await until(() => sent(socket, 'SIP/2.0 ').length === 2);
    return sent(socket, 'SIP/2.0 ')[1]?.split('\r\n')[0];
  }

  it('follows it after a request in clear with a higher CSeq', async () => {
    const started = await establishedCall(stops);
    const { call, invite } = started;
    const changes: boolean[] = [];
    call.delegate = { onEmergencyChange: (emergency) => changes.push(emergency) };
    // The core sends an OPTIONS in clear From the server with the call's Call-ID and the largest
    // CSeq, outside the dialog, so JsSIP responds to it without raising the dialog's CSeq.
    const options = requestInDialog(invite, SERVER, 'OPTIONS', 2 ** 31 - 1).withHeader(
      'To',
      `<${ALICE}>`,
    );

    const status = await upgradeAfter(started, options);

    expect(status).toMatch(/^SIP\/2\.0 200 /);
    expect(call.emergency).toBe(true);
    expect(changes).toEqual([true]);
  });

  it('ignores it after a request in clear in the dialog', async () => {
    const started = await establishedCall(stops);
    const { call, invite } = started;
    const changes: boolean[] = [];
    const reported: (boolean | undefined)[] = [];
    call.delegate = {
      onEmergencyChange: (emergency) => changes.push(emergency),
      onParts: (event) => reported.push(parseMcpttInfo(event.parts[0]?.body ?? '').emergency),
    };
    // The core sends an INFO in clear with the dialog's tags and the largest CSeq. JsSIP's dialog
    // takes its CSeq before it rejects the INFO, and then rejects the server's UPDATE with 500.
    const info = requestInDialog(invite, SERVER, 'INFO', 2 ** 31 - 1);

    const status = await upgradeAfter(started, info);

    expect(status).toMatch(/^SIP\/2\.0 500 /);
    expect(call.emergency).toBe(false);
    expect(changes).toEqual([]);
    expect(reported).toEqual([]);
  });
});
