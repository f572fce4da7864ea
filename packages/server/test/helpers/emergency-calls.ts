/**
 * Steps of the emergency tests on one group call: carol starts each call, bob is invited to it,
 * and alice joins it by INVITE.
 */
import { expect } from 'vitest';
import type { SipMessage } from '@mcptt-smime/smime';
import { textPart } from '../../src/body-parts.js';
import type { Call, CallLeg } from '../../src/call-store.js';
import { createUacDialog, createUasDialog, type Dialog } from '../../src/dialog.js';
import { tagOf } from '../../src/sip-builder.js';
import { callInvite, infoOf, isInvite, mcpttInfo } from './call-setup.js';
import { status, type Incoming, type McpttTestClient } from './mcptt-test-client.js';
import { GROUP_ID, type ServerFixture } from './server-fixture.js';

const GROUP_CALL = { sessionType: 'prearranged', callingGroupId: GROUP_ID } as const;
const TALK_PACKAGE = { name: 'Info-Package', value: 'mcptt-talk' };

/** The steps, bound to the fixture and the clients of a test file. */
export function emergencySteps(
  fixture: () => ServerFixture,
  client: (name: string) => McpttTestClient,
) {
  const calls = () => fixture().server.context.calls;
  /** The dialog of each caller's last call. */
  const callerDialogs = new Map<string, Dialog>();

  /** Returns the leg of `name` in `call`. */
  const legOf = (call: Call, name: string): CallLeg | undefined =>
    [...call.legs.values()].find((leg) => leg.uri === client(name).uri);

  /** Sends a signed and encrypted INVITE of `name` and acknowledges its 2xx. */
  async function joinCall(name: string): Promise<{ dialog: Dialog; response: SipMessage }> {
    const user = client(name);
    const invite = await callInvite(user, GROUP_CALL);
    const response = await user.send(invite);
    expect(status(response)).toBe(200);
    const dialog = createUacDialog(invite, response);
    user.post(user.inDialog(dialog, 'ACK', []));
    callerDialogs.set(name, dialog);
    return { dialog, response };
  }

  /** Returns the dialog of the server's answered INVITE to `name`, from that member's side. */
  async function memberDialog(name: string, call: Call): Promise<Dialog> {
    const callId = legOf(call, name)?.callId;
    const invite = await client(name).receive(
      (incoming) => isInvite(incoming) && incoming.raw.callId === callId,
    );
    return createUasDialog(invite.raw, tagOf(invite.answer?.getHeader('To')) ?? '');
  }

  /**
   * Starts an ordinary call of carol, in which bob answers the server's INVITE and alice joins.
   * Carol holds the floor from her INVITE's implicit request.
   */
  async function ordinaryCall() {
    const carol = await joinCall('carol');
    const call = calls().byGroup(GROUP_ID) as Call;
    await expect.poll(() => legOf(call, 'bob')?.dialog).toBeDefined();
    const alice = await joinCall('alice');
    expect(call.emergency).toBe(false);
    expect(call.floor.holder()).toBe(client('carol').uri);
    return { call, carolDialog: carol.dialog, aliceDialog: alice.dialog };
  }

  /** Sends an UPDATE without SDP of `name` in `dialog` whose signed mcptt-info is `emergency`. */
  async function emergencyUpdate(
    name: string,
    dialog: Dialog,
    emergency: boolean,
  ): Promise<SipMessage> {
    const user = client(name);
    const update = user.inDialog(dialog, 'UPDATE', [mcpttInfo({ emergency })]);
    return user.send(await user.protect(update));
  }

  /** Resolves with the UPDATE that `name` receives on its leg of `call` with `emergency`. */
  function updateAt(name: string, call: Call, emergency: boolean): Promise<Incoming> {
    const callId = legOf(call, name)?.callId;
    return client(name).receive(
      (incoming) =>
        incoming.raw.method === 'UPDATE' &&
        incoming.raw.callId === callId &&
        infoOf(incoming).emergency === emergency,
    );
  }

  /** Sends a signed INFO talk press of `name` in `dialog` and returns its status. */
  async function pressTalk(name: string, dialog: Dialog): Promise<number> {
    const user = client(name);
    const info = user.inDialog(dialog, 'INFO', [textPart('text/plain', 'press')], [TALK_PACKAGE]);
    return status(await user.send(await user.protect(info)));
  }

  /** Returns the log entry of the rejection of the request with `callId` and `method`. */
  function rejectionOf(callId: string, method: string): Record<string, unknown> | undefined {
    return fixture()
      .logLines.map((line) => JSON.parse(line) as Record<string, unknown>)
      .reverse()
      .find(
        (entry) =>
          entry.msg === 'request rejected' && entry.callId === callId && entry.method === method,
      );
  }

  /** Ends carol's last call with her BYE, and waits until the group has no call. */
  async function endCarolsCall(): Promise<void> {
    const carol = client('carol');
    const dialog = callerDialogs.get('carol');
    callerDialogs.clear();
    if (dialog !== undefined && calls().byLeg(dialog.callId) !== undefined) {
      expect(status(await carol.send(carol.inDialog(dialog, 'BYE', [])))).toBe(200);
    }
    await expect.poll(() => calls().byGroup(GROUP_ID)).toBeUndefined();
  }

  return {
    calls,
    legOf,
    joinCall,
    memberDialog,
    ordinaryCall,
    emergencyUpdate,
    updateAt,
    pressTalk,
    rejectionOf,
    endCarolsCall,
  };
}
