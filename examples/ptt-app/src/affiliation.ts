/**
 * Affiliation changes. The requested state of a switch stays in the app state until the PUBLISH
 * gets its final response, so that a redraw shows it.
 *
 * @module
 */

import type { PttClient } from './client.js';
import { activeGroupCall, type Store } from './store.js';

/** Dependencies of an affiliation change. */
export interface AffiliationContext {
  readonly store: Store;
  readonly client: PttClient;
  /** Reports a failed publication in the notice bar. */
  readonly onError: (action: string, error: unknown) => void;
}

/**
 * Affiliates the user to a group or leaves it, and records the requested state until the PUBLISH
 * gets its final response. Leaving a group ends its live call at once.
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
  try {
    await client.setAffiliation(groupId, affiliated);
  } catch (error) {
    context.onError(`Affiliation to ${name}`, error);
  } finally {
    store.update((s) => ({
      groups: client.groups(),
      pendingAffiliations: without(s.pendingAffiliations, [groupId]),
    }));
  }
}

function without<V>(map: ReadonlyMap<string, V>, keys: readonly string[]): Map<string, V> {
  const copy = new Map(map);
  for (const key of keys) copy.delete(key);
  return copy;
}
