import { describe, expect, it } from 'vitest';
import {
  changeAffiliation,
  restoreAffiliation,
  storageAffiliationMemory,
  type AffiliationContext,
} from '../src/affiliation.js';
import { Store } from '../src/store.js';
import { ALICE, BOB, GROUP, testCall, testState } from './app-state.js';
import { FakeClient } from './fake-client.js';

/** A `Storage` in memory, as `localStorage` behaves for one page. */
class MemoryStorage implements Storage {
  readonly #items = new Map<string, string>();

  get length(): number {
    return this.#items.size;
  }

  clear(): void {
    this.#items.clear();
  }

  getItem(key: string): string | null {
    return this.#items.get(key) ?? null;
  }

  key(index: number): string | null {
    return [...this.#items.keys()][index] ?? null;
  }

  removeItem(key: string): void {
    this.#items.delete(key);
  }

  setItem(key: string, value: string): void {
    this.#items.set(key, value);
  }
}

/** Creates the client, store and error list of one test, with alice in GROUP, not affiliated. */
function setUp(calls = [testCall('g')]): {
  client: FakeClient;
  context: AffiliationContext;
  errors: string[];
  successes: string[];
} {
  const client = new FakeClient(
    ALICE,
    'Alice',
    [{ id: GROUP, name: 'Fire 1', affiliated: false }],
    [{ id: BOB, name: 'Bob' }],
  );
  const store = new Store(testState(calls, { groups: client.groups() }));
  const errors: string[] = [];
  const successes: string[] = [];
  const onError = (action: string): void => {
    errors.push(action);
  };
  const onSuccess = (action: string): void => {
    successes.push(action);
  };
  const memory = storageAffiliationMemory(new MemoryStorage());
  return { client, context: { store, client, memory, onError, onSuccess }, errors, successes };
}

describe('changeAffiliation', () => {
  it('keeps the requested state until done', async () => {
    const { client, context, successes } = setUp([]);
    client.holdRequests = true;
    const change = changeAffiliation(context, GROUP, true);
    expect(context.store.state.pendingAffiliations.get(GROUP)).toBe(true);
    expect(context.store.state.groups[0]?.affiliated).toBe(false);

    client.held[0]?.resolve();
    await change;
    expect(context.store.state.pendingAffiliations.size).toBe(0);
    expect(context.store.state.groups[0]?.affiliated).toBe(true);
    expect(successes).toEqual(['Affiliation to Fire 1']);
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
    const { client, context, errors, successes } = setUp([]);
    client.holdRequests = true;
    const change = changeAffiliation(context, GROUP, true);
    client.held[0]?.reject(new Error('request failed with 408 Request Timeout'));
    await change;
    expect(errors).toEqual(['Affiliation to Fire 1']);
    expect(successes).toEqual([]);
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

describe('affiliation memory', () => {
  it('stores the groups after a change', async () => {
    const { context } = setUp([]);
    await changeAffiliation(context, GROUP, true);
    expect(context.memory.load(ALICE)).toEqual([GROUP]);
    await changeAffiliation(context, GROUP, false);
    expect(context.memory.load(ALICE)).toEqual([]);
  });

  it('keeps the groups of a failed change', async () => {
    const { client, context } = setUp([]);
    context.memory.save(ALICE, [GROUP]);
    client.holdRequests = true;
    const change = changeAffiliation(context, GROUP, false);
    client.held[0]?.reject(new Error('request failed with 408 Request Timeout'));
    await change;
    expect(context.memory.load(ALICE)).toEqual([GROUP]);
  });

  it('publishes the stored groups once registered', async () => {
    const { client, context } = setUp([]);
    context.memory.save(ALICE, [GROUP, 'sip:left-group@mcptt.example']);
    client.holdRequests = true;
    const restore = restoreAffiliation(context);
    expect(context.store.state.pendingAffiliations.get(GROUP)).toBe(true);

    client.held[0]?.resolve();
    await restore;
    expect(client.actions).toEqual([{ type: 'affiliations', groupIds: [GROUP] }]);
    expect(context.store.state.groups[0]?.affiliated).toBe(true);
    expect(context.store.state.pendingAffiliations.size).toBe(0);
  });

  it('publishes nothing for a new user', async () => {
    const { client, context } = setUp([]);
    await restoreAffiliation(context);
    expect(client.actions).toEqual([]);
  });

  it('reads a damaged entry as nothing stored', () => {
    const storage = new MemoryStorage();
    storage.setItem(`mcptt-demo.affiliated-groups:${ALICE}`, '{not json');
    expect(storageAffiliationMemory(storage).load(ALICE)).toBeUndefined();
    storage.setItem(`mcptt-demo.affiliated-groups:${ALICE}`, '[1, 2]');
    expect(storageAffiliationMemory(storage).load(ALICE)).toBeUndefined();
  });
});
