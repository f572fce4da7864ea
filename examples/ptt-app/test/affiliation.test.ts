import { describe, expect, it } from 'vitest';
import { changeAffiliation, type AffiliationContext } from '../src/affiliation.js';
import { Store } from '../src/store.js';
import { ALICE, BOB, GROUP, testCall, testState } from './app-state.js';
import { FakeClient } from './fake-client.js';

/** Creates the client, store and error list of one test, with alice in GROUP, not affiliated. */
function setUp(calls = [testCall('g')]): {
  client: FakeClient;
  context: AffiliationContext;
  errors: string[];
} {
  const client = new FakeClient(
    ALICE,
    'Alice',
    [{ id: GROUP, name: 'Fire 1', affiliated: false }],
    [{ id: BOB, name: 'Bob' }],
  );
  const store = new Store(testState(calls, { groups: client.groups() }));
  const errors: string[] = [];
  const onError = (action: string): void => {
    errors.push(action);
  };
  return { client, context: { store, client, onError }, errors };
}

describe('changeAffiliation', () => {
  it('keeps the requested state until done', async () => {
    const { client, context } = setUp([]);
    client.holdRequests = true;
    const change = changeAffiliation(context, GROUP, true);
    expect(context.store.state.pendingAffiliations.get(GROUP)).toBe(true);
    expect(context.store.state.groups[0]?.affiliated).toBe(false);

    client.held[0]?.resolve();
    await change;
    expect(context.store.state.pendingAffiliations.size).toBe(0);
    expect(context.store.state.groups[0]?.affiliated).toBe(true);
  });

  it('sends one request at a time per group', async () => {
    const { client, context } = setUp([]);
    client.holdRequests = true;
    const first = changeAffiliation(context, GROUP, true);
    await changeAffiliation(context, GROUP, false);
    client.held[0]?.resolve();
    await first;
    expect(client.actions).toEqual([{ type: 'affiliation', groupId: GROUP, affiliated: true }]);
  });

  it('reports a rejected request', async () => {
    const { client, context, errors } = setUp([]);
    client.holdRequests = true;
    const change = changeAffiliation(context, GROUP, true);
    client.held[0]?.reject(new Error('request failed with 408 Request Timeout'));
    await change;
    expect(errors).toEqual(['Affiliation to Fire 1']);
    expect(context.store.state.pendingAffiliations.size).toBe(0);
    expect(context.store.state.groups[0]?.affiliated).toBe(false);
  });

  it('ends the call of a group left', async () => {
    const { client, context } = setUp([testCall('g'), testCall('p', { kind: 'private' })]);
    await changeAffiliation(context, GROUP, false);
    expect(client.actions).toEqual([
      { type: 'hang-up', callId: 'g' },
      { type: 'affiliation', groupId: GROUP, affiliated: false },
    ]);
  });

  it('keeps the call of a group joined', async () => {
    const { client, context } = setUp();
    await changeAffiliation(context, GROUP, true);
    expect(client.actions).toEqual([{ type: 'affiliation', groupId: GROUP, affiliated: true }]);
  });
});
