import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { textPart } from '../src/body-parts.js';
import { ALERT_SHORT_DATA_RESERVE, MAX_SHORT_DATA_PER_USER } from '../src/short-data.js';
import { affiliation, connectAuthorised, mcpttInfo, publish } from './helpers/call-setup.js';
import { SERVER_URI, status, type McpttTestClient } from './helpers/mcptt-test-client.js';
import { GROUP_ID, startFixture, type ServerFixture } from './helpers/server-fixture.js';

/** Short timers, so that the MESSAGEs that bob leaves unanswered end within the test. */
const TIMERS = { t1: 50, t2: 200, transactionTimeout: 3000, linger: 3000 };

describe('short data in relay from one sender', () => {
  let fixture: ServerFixture;
  let clients: Record<string, McpttTestClient> = {};
  const client = (name: string) => clients[name] as McpttTestClient;

  beforeAll(async () => {
    fixture = await startFixture('relay', { timers: TIMERS });
    clients = await connectAuthorised(fixture, ['alice', 'bob', 'carol']);
    await publish(client('bob'), 'presence', affiliation([GROUP_ID]));
    // bob sends no response to a MESSAGE, so each relay to him waits for the transaction timeout.
    client('bob').unanswered.add('MESSAGE');
  });

  afterAll(async () => {
    await fixture?.stop();
    for (const user of Object.values(clients)) user.close();
  });

  async function shortData(user: McpttTestClient, text: string, alert = false) {
    const parts = alert
      ? [mcpttInfo({ requestUri: GROUP_ID, emergency: true, alert: true })]
      : [mcpttInfo({ requestUri: 'sip:bob@mcptt.example' }), textPart('text/plain', text)];
    return user.protect(user.request('MESSAGE', SERVER_URI, parts));
  }

  it('rejects MESSAGEs past the limit: 486', async () => {
    const [alice, carol] = [client('alice'), client('carol')];
    const extra = 2;
    const messages = await Promise.all(
      Array.from({ length: MAX_SHORT_DATA_PER_USER + extra }, (_, index) =>
        shortData(alice, `message ${String(index)}`),
      ),
    );
    const sent = messages.map((message) => alice.send(message));
    // Each of the first MAX_SHORT_DATA_PER_USER reaches bob and waits there for his response.
    await bobReceived(MAX_SHORT_DATA_PER_USER);

    const alert = alice.send(await shortData(alice, '', true));
    const fromCarol = carol.send(await shortData(carol, 'from carol'));
    await bobReceived(MAX_SHORT_DATA_PER_USER + 2);
    const statuses = (await Promise.all(sent)).map(status);

    // The first ones end with 480 when bob's transactions time out. The extra ones never reached him.
    expect(statuses.filter((code) => code === 480)).toHaveLength(MAX_SHORT_DATA_PER_USER);
    expect(statuses.filter((code) => code === 486)).toHaveLength(extra);
    expect(status(await alert)).toBe(480);
    expect(status(await fromCarol)).toBe(480);
    expect(fixture.server.context.shortDataInRelay.size).toBe(0);
    const rejections = fixture.logLines.filter((line) =>
      line.includes('"reason":"sender has too many messages in relay"'),
    );
    expect(rejections).toHaveLength(extra);
  });

  it('limits alerts to the reserve: 486', async () => {
    const alice = client('alice');
    const before = client('bob').incoming.filter((i) => i.raw.method === 'MESSAGE').length;
    const allowed = MAX_SHORT_DATA_PER_USER + ALERT_SHORT_DATA_RESERVE;
    // An alert may carry a payload, so an unlimited alert would be unlimited short data.
    const alerts = await Promise.all(
      Array.from({ length: allowed + 1 }, (_, index) =>
        alice.protect(
          alice.request('MESSAGE', SERVER_URI, [
            mcpttInfo({ requestUri: GROUP_ID, emergency: true, alert: index % 2 === 0 }),
            textPart('text/plain', `alert ${String(index)}`),
          ]),
        ),
      ),
    );
    const sent = alerts.map((message) => alice.send(message));
    await bobReceived(before + allowed);
    const statuses = (await Promise.all(sent)).map(status);

    expect(statuses.filter((code) => code === 480)).toHaveLength(allowed);
    expect(statuses.filter((code) => code === 486)).toHaveLength(1);
    expect(fixture.server.context.shortDataInRelay.size).toBe(0);
  });

  it('admits a MESSAGE again once the earlier ones are done', async () => {
    const alice = client('alice');
    client('bob').unanswered.delete('MESSAGE');

    const response = await alice.send(await shortData(alice, 'after the others'));

    expect(status(response)).toBe(200);
  });

  async function bobReceived(count: number): Promise<void> {
    const bob = client('bob');
    const deadline = Date.now() + 5000;
    while (bob.incoming.filter((i) => i.raw.method === 'MESSAGE').length < count) {
      if (Date.now() > deadline) throw new Error(`bob did not receive ${String(count)} MESSAGEs`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
});
