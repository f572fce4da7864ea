/**
 * A user configured with `mayCancelEmergencies`, bob here, may end the emergency state of a group
 * call that another participant started, also after that participant has left the call.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config.js';
import { answerInfo, useRelayGroup } from './helpers/call-setup.js';
import { emergencySteps } from './helpers/emergency-calls.js';
import { SERVER_URI, status } from './helpers/mcptt-test-client.js';

const { fixture, client } = useRelayGroup(['alice', 'bob', 'carol'], ['bob', 'carol'], {
  emergencyCancellers: ['bob'],
});
const { ordinaryCall, memberDialog, emergencyUpdate, updateAt, rejectionOf, endCarolsCall } =
  emergencySteps(fixture, client);

afterEach(endCarolsCall);

describe('an authorised canceller', () => {
  it("ends another participant's emergency", async () => {
    const { call, aliceDialog } = await ordinaryCall();
    expect(status(await emergencyUpdate('alice', aliceDialog, true))).toBe(200);
    const bobDialog = await memberDialog('bob', call);
    const atAlice = updateAt('alice', call, false);
    const atCarol = updateAt('carol', call, false);

    const response = await emergencyUpdate('bob', bobDialog, false);

    expect(status(response)).toBe(200);
    expect((await answerInfo(client('bob'), response)).emergency).toBe(false);
    expect(call.emergency).toBe(false);
    expect((await atAlice).security?.signerUri).toBe(SERVER_URI);
    expect((await atCarol).security?.signerUri).toBe(SERVER_URI);
  });

  it('ends an emergency whose caller left', async () => {
    const { call, aliceDialog } = await ordinaryCall();
    expect(status(await emergencyUpdate('alice', aliceDialog, true))).toBe(200);
    const alice = client('alice');
    expect(status(await alice.send(alice.inDialog(aliceDialog, 'BYE', [])))).toBe(200);
    expect(call.emergency).toBe(true);
    const bobDialog = await memberDialog('bob', call);

    const response = await emergencyUpdate('bob', bobDialog, false);

    expect(status(response)).toBe(200);
    expect(call.emergency).toBe(false);
  });

  it('leaves other participants without the right', async () => {
    const { call, aliceDialog, carolDialog } = await ordinaryCall();
    const bobDialog = await memberDialog('bob', call);
    expect(status(await emergencyUpdate('bob', bobDialog, true))).toBe(200);

    const statuses = [
      status(await emergencyUpdate('alice', aliceDialog, false)),
      status(await emergencyUpdate('carol', carolDialog, false)),
    ];

    expect(statuses).toEqual([403, 403]);
    expect(rejectionOf(aliceDialog.callId, 'UPDATE')?.reason).toBe(
      'not authorised to cancel the emergency',
    );
    expect(call.emergencyCaller).toBe(client('bob').uri);
    expect(call.emergency).toBe(true);
  });
});

describe('mayCancelEmergencies in the configuration', () => {
  const base = {
    serverUri: 'sip:mcptt-server@mcptt.example',
    identity: { key: 'k.pem', certificate: 'c.pem', trustAnchors: ['ca.cert.pem'] },
    groups: [],
  };

  it('is read for each user', () => {
    const users = [
      { uri: 'sip:carol@mcptt.example', mayCancelEmergencies: true },
      { uri: 'sip:alice@mcptt.example' },
    ];

    const config = parseConfig({ ...base, users }, '/tmp');

    expect(config.users).toEqual(users);
  });

  it.each(['yes', 1, null])('rejects %j', (value) => {
    const users = [{ uri: 'sip:carol@mcptt.example', mayCancelEmergencies: value }];

    expect(() => parseConfig({ ...base, users }, '/tmp')).toThrow(
      new TypeError('users[0].mayCancelEmergencies: expected true or false'),
    );
  });
});
