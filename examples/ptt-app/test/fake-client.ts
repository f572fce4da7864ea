/**
 * A scripted {@link PttClient} for UI unit tests and the layout preview page. It sends nothing:
 * tests drive it through {@link FakeClient.delegate} and read what the views asked of it.
 *
 * @module
 */

import type {
  Conversation,
  GroupInfo,
  PeerInfo,
  PttClient,
  PttClientDelegate,
} from '../src/client.js';

/** One call the views made on the client. */
export type FakeAction =
  | { readonly type: 'affiliation'; readonly groupId: string; readonly affiliated: boolean }
  | { readonly type: 'affiliations'; readonly groupIds: readonly string[] }
  | { readonly type: 'press' | 'emergency-call'; readonly groupId: string }
  | { readonly type: 'press-in-call'; readonly callId: string }
  | { readonly type: 'release' }
  | { readonly type: 'call-user'; readonly peerId: string; readonly automatic: boolean }
  | {
      readonly type: 'answer' | 'reject' | 'hang-up' | 'cancel-emergency';
      readonly callId: string;
    }
  | { readonly type: 'short-data'; readonly conversation: Conversation; readonly text: string };

/** A request of the views that waits until a test settles it. */
export interface HeldRequest {
  readonly action: FakeAction;
  resolve(): void;
  reject(error: Error): void;
}

/** The scripted client. */
export class FakeClient implements PttClient {
  readonly userId: string;
  readonly displayName: string;
  /** True when the user may end others' emergencies. A test sets it before the app starts. */
  mayCancelEmergencies = false;
  readonly actions: FakeAction[] = [];
  delegate: PttClientDelegate = {};
  /**
   * When true, affiliation, short-data and emergency cancellation requests wait in
   * {@link FakeClient.held} until a test settles them. When false, they succeed at once.
   */
  holdRequests = false;
  /** The requests that wait for a test to settle them, oldest first. */
  readonly held: HeldRequest[] = [];
  #groups: GroupInfo[];
  readonly #peers: PeerInfo[];

  constructor(userId: string, displayName: string, groups: GroupInfo[], peers: PeerInfo[]) {
    this.userId = userId;
    this.displayName = displayName;
    this.#groups = groups;
    this.#peers = peers;
  }

  groups(): readonly GroupInfo[] {
    return this.#groups;
  }

  peers(): readonly PeerInfo[] {
    return this.#peers;
  }

  start(delegate: PttClientDelegate): Promise<void> {
    this.delegate = delegate;
    delegate.onRegistration?.('registered');
    return Promise.resolve();
  }

  stop(): Promise<void> {
    return Promise.resolve();
  }

  async setAffiliation(groupId: string, affiliated: boolean): Promise<void> {
    await this.#request({ type: 'affiliation', groupId, affiliated });
    this.#groups = this.#groups.map((g) => (g.id === groupId ? { ...g, affiliated } : g));
  }

  async setAffiliatedGroups(groupIds: readonly string[]): Promise<void> {
    await this.#request({ type: 'affiliations', groupIds });
    this.#groups = this.#groups.map((g) => ({ ...g, affiliated: groupIds.includes(g.id) }));
  }

  pressTalk(groupId: string): Promise<void> {
    this.actions.push({ type: 'press', groupId });
    return Promise.resolve();
  }

  startEmergencyCall(groupId: string): Promise<void> {
    this.actions.push({ type: 'emergency-call', groupId });
    return Promise.resolve();
  }

  pressTalkInCall(callId: string): Promise<void> {
    this.actions.push({ type: 'press-in-call', callId });
    return Promise.resolve();
  }

  releaseTalk(): void {
    this.actions.push({ type: 'release' });
  }

  callUser(peerId: string, options: { readonly automatic?: boolean } = {}): Promise<void> {
    this.actions.push({ type: 'call-user', peerId, automatic: options.automatic === true });
    return Promise.resolve();
  }

  cancelEmergency(callId: string): Promise<void> {
    return this.#request({ type: 'cancel-emergency', callId });
  }

  answer(callId: string): Promise<void> {
    this.actions.push({ type: 'answer', callId });
    return Promise.resolve();
  }

  reject(callId: string): void {
    this.actions.push({ type: 'reject', callId });
  }

  hangUp(callId: string): void {
    this.actions.push({ type: 'hang-up', callId });
  }

  sendShortData(conversation: Conversation, text: string): Promise<void> {
    return this.#request({ type: 'short-data', conversation, text });
  }

  /** Records a request, which waits for the test while {@link FakeClient.holdRequests} is set. */
  #request(action: FakeAction): Promise<void> {
    this.actions.push(action);
    if (!this.holdRequests) return Promise.resolve();
    return new Promise((resolve, reject) => this.held.push({ action, resolve, reject }));
  }
}
