/**
 * Affiliation changes and their memory across page loads. The requested state of a switch stays
 * in the app state until the PUBLISH gets its final response, so that a redraw shows it. The MCPTT
 * server keeps a user's affiliation when the page is reloaded, so the app stores the affiliated
 * groups per user and publishes them again once registered, and the server and the switches then
 * agree.
 *
 * @module
 */

import type { PttClient } from './client.js';
import { activeGroupCall, type Store } from './store.js';

/** The affiliated groups of each user, kept across page loads. */
export interface AffiliationMemory {
  /** Returns the stored group IDs, or undefined when nothing was stored for the user. */
  load(userId: string): string[] | undefined;
  save(userId: string, groupIds: readonly string[]): void;
  /** Forgets the user's groups, for example when the identity is removed. */
  clear(userId: string): void;
}

/** Dependencies of an affiliation change. */
export interface AffiliationContext {
  readonly store: Store;
  readonly client: PttClient;
  readonly memory: AffiliationMemory;
  /** Reports a failed publication in the notice bar. */
  readonly onError: (action: string, error: unknown) => void;
  /** Reports a successful publication, which clears the notice of an earlier failure. */
  readonly onSuccess: (action: string) => void;
}

const KEY_PREFIX = 'mcptt-demo.affiliated-groups:';

/** Creates the memory on a `Storage`, the page's `localStorage` by default. */
export function storageAffiliationMemory(storage: Storage = localStorage): AffiliationMemory {
  return {
    load: (userId) => parseGroupIds(storage.getItem(KEY_PREFIX + userId)),
    save: (userId, groupIds) => storage.setItem(KEY_PREFIX + userId, JSON.stringify(groupIds)),
    clear: (userId) => storage.removeItem(KEY_PREFIX + userId),
  };
}

/**
 * Affiliates the user to a group or leaves it, and records the requested state until the PUBLISH
 * gets its final response. Leaving a group ends its live call at once. The memory gets the
 * groups that the client reports as affiliated after a success.
 */
export async function changeAffiliation(
  context: AffiliationContext,
  groupId: string,
  affiliated: boolean,
): Promise<void> {
  const { store, client } = context;
  if (store.state.pendingAffiliations.has(groupId)) return;
  store.update((s) => ({
    pendingAffiliations: new Map(s.pendingAffiliations).set(groupId, affiliated),
  }));
  const call = affiliated ? undefined : activeGroupCall(store.state, groupId);
  if (call !== undefined) client.hangUp(call.id);

  const name = store.state.groups.find((g) => g.id === groupId)?.name ?? groupId;
  const action = `Affiliation to ${name}`;
  try {
    await client.setAffiliation(groupId, affiliated);
    remember(context);
    context.onSuccess(action);
  } catch (error) {
    context.onError(action, error);
  } finally {
    store.update((s) => ({
      groups: client.groups(),
      pendingAffiliations: without(s.pendingAffiliations, [groupId]),
    }));
  }
}

/**
 * Publishes the groups stored for the user, once registered after the page loaded. Until the
 * final response every switch shows its stored state, disabled. Does nothing for a user whose
 * groups were never stored.
 */
export async function restoreAffiliation(context: AffiliationContext): Promise<void> {
  const { store, client, memory } = context;
  const stored = memory.load(client.userId);
  if (stored === undefined) return;
  const groups = client.groups();
  const groupIds = groups.filter((g) => stored.includes(g.id)).map((g) => g.id);
  store.update(() => ({
    pendingAffiliations: new Map(groups.map((g) => [g.id, groupIds.includes(g.id)])),
  }));

  try {
    await client.setAffiliatedGroups(groupIds);
  } catch (error) {
    context.onError('Affiliation after the page load', error);
  } finally {
    store.update((s) => ({
      groups: client.groups(),
      pendingAffiliations: without(
        s.pendingAffiliations,
        groups.map((g) => g.id),
      ),
    }));
  }
}

/** Stores the groups that the client reports as affiliated now. */
function remember({ client, memory }: AffiliationContext): void {
  const groupIds = client
    .groups()
    .filter((g) => g.affiliated)
    .map((g) => g.id);
  memory.save(client.userId, groupIds);
}

function without<V>(map: ReadonlyMap<string, V>, keys: readonly string[]): Map<string, V> {
  const copy = new Map(map);
  for (const key of keys) copy.delete(key);
  return copy;
}

/**
 * Reads a stored list of group IDs. Returns undefined for nothing stored or a value of another
 * shape.
 */
function parseGroupIds(text: string | null): string[] | undefined {
  if (text === null) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    if (Array.isArray(value) && value.every((id) => typeof id === 'string')) return value;
  } catch {
    // A value that is not JSON counts as nothing stored.
  }
  return undefined;
}
