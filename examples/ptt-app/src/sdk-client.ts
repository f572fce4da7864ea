/**
 * The {@link PttClient} of the app on `@mcptt-smime/sdk`, with keys from the browser's keystore.
 *
 * @module
 */

import {
  McpttClient,
  type IncomingCallEvent,
  type McpttCall,
  type McpttClientDelegate,
} from '@mcptt-smime/sdk';
import { pemDecode, type EnvelopePool, type KeyStore, type ReplayStore } from '@mcptt-smime/smime';
import type { Conversation, GroupInfo, PeerInfo, PttClient, PttClientDelegate } from './client.js';
import type { DemoConfig } from './demo-config.js';
import { CallTracker, onConnectionFailed, type CallFields } from './sdk-calls.js';
import {
  describeCallInfo,
  describeCallUpdate,
  describeEmergencyEnd,
  describeIncomingCall,
  SecurityRecorder,
  type PendingRecord,
} from './security-records.js';
import { releaseFloor } from './sdk-floor.js';
import { TalkControl } from './sdk-talk.js';
import { createWireSocket } from './wire-socket.js';
import { startEnvelopeWorker } from './envelope-pool.js';
import { describeError } from './error-text.js';

/** How long the client may take to connect to the SIP core before the app reports a failure. */
export const START_TIMEOUT_MS = 15_000;

/** A key store, and where it can, a store of replay records such as the keystore's. */
export type DemoKeyStore = KeyStore & { replayStore?(): ReplayStore };

/** Creates the MCPTT client for a stored identity. */
export function createSdkClient(
  config: DemoConfig,
  uri: string,
  openStore: () => Promise<DemoKeyStore>,
): Promise<PttClient> {
  const [serverCertificate] = pemDecode(config.serverCertificate, 'CERTIFICATE');
  if (serverCertificate === undefined) throw new Error('Server certificate missing');
  return Promise.resolve(new SdkPttClient(config, uri, serverCertificate, openStore));
}

class SdkPttClient implements PttClient {
  readonly userId: string;
  readonly displayName: string;
  readonly mayCancelEmergencies: boolean;
  readonly #config: DemoConfig;
  readonly #serverCertificate: Uint8Array;
  readonly #openStore: () => Promise<DemoKeyStore>;
  readonly #affiliated = new Set<string>();
  #client: McpttClient | undefined;
  #envelopeWorker: { pool: EnvelopePool; stop: () => void } | undefined;
  #delegate: PttClientDelegate = {};
  #sequence = 0;
  readonly #clientId = `urn:uuid:${globalThis.crypto.randomUUID()}`;
  readonly #records: SecurityRecorder;
  readonly #calls = new CallTracker(
    (call) => this.#delegate.onCall?.(call),
    (call, event) => {
      // A response belongs to the request that the app recorded when it sent it.
      if (event.status !== undefined) return;
      const { summary, plaintext } = describeCallUpdate(call, event);
      const wire = { direction: 'in' as const, method: event.method, callId: call.id };
      this.#records.received(wire, summary, plaintext, event.security);
    },
  );
  readonly #talk: TalkControl;
  /** The security records of the INVITEs of outgoing calls that are being set up, by Call-ID. */
  readonly #invites = new Map<string, PendingRecord>();
  /** Call-IDs of the calls that the user ended, whose set-up failures are no error. */
  readonly #hungUp = new Set<string>();

  constructor(
    config: DemoConfig,
    uri: string,
    serverCertificate: Uint8Array,
    openStore: () => Promise<DemoKeyStore>,
  ) {
    this.#config = config;
    this.#openStore = openStore;
    this.#serverCertificate = serverCertificate;
    this.userId = uri;
    const user = config.users.find((u) => u.id === uri);
    this.displayName = user?.name ?? uri;
    this.mayCancelEmergencies = user?.mayCancelEmergencies === true;
    this.#records = new SecurityRecorder(uri, (record) =>
      this.#delegate.onSecurityRecord?.(record),
    );
    this.#talk = new TalkControl(uri, {
      onFloor: (callId, status) => this.#calls.setFloor(callId, status),
      onTalker: (callId, talkerId) => this.#delegate.onTalker?.(callId, talkerId),
      onTalkInfo: (action) => {
        this.#records.expect('INFO', action === 'press' ? 'Talk press' : 'Talk release', action);
      },
    });
  }

  groups(): readonly GroupInfo[] {
    return this.#config.groups
      .filter((group) => group.members.includes(this.userId))
      .map((group) => ({
        id: group.id,
        name: group.name,
        affiliated: this.#affiliated.has(group.id),
      }));
  }

  peers(): readonly PeerInfo[] {
    return this.#config.users.filter((user) => user.id !== this.userId);
  }

  async start(delegate: PttClientDelegate): Promise<void> {
    this.#delegate = delegate;
    this.#envelopeWorker = startEnvelopeWorker();
    // The client fills the pool for the server's certificate when it starts.
    const envelopes = this.#envelopeWorker?.pool;
    const keyStore = await this.#openStore();
    const client = new McpttClient({
      uri: this.userId,
      url: this.#config.wsUrl,
      crypto: globalThis.crypto,
      keyStore,
      // Requests received before a reload stay known, so that the SIP core cannot replay them.
      ...(keyStore.replayStore === undefined ? {} : { replayStore: keyStore.replayStore() }),
      transport: createWireSocket(this.#config.wsUrl, (message) => this.#records.sent(message)),
      serverUri: this.#config.serverUri,
      serverCertificates: [this.#serverCertificate],
      clientId: this.#clientId,
      ...(envelopes === undefined ? {} : { envelopes }),
      ...(this.#config.insecurePlainCalls ? { insecurePlainCalls: true } : {}),
      delegate: this.#sdkDelegate(),
    });
    this.#client = client;
    const registration = this.#records.expect(
      'REGISTER',
      'Registration',
      `mcptt-info with the MCPTT client ID ${this.#clientId}`,
    );
    delegate.onRegistration?.('registering');
    // JsSIP retries a connection that nothing accepts for ever, so the app stops and reports it.
    await client.start({ signal: AbortSignal.timeout(START_TIMEOUT_MS) });
    await this.#recorded(registration, client.register());
  }

  stop(): Promise<void> {
    for (const call of this.#calls.liveCalls()) call.hangUp();
    this.#client?.stop();
    this.#client = undefined;
    this.#envelopeWorker?.stop();
    this.#envelopeWorker = undefined;
    return Promise.resolve();
  }

  setAffiliation(groupId: string, affiliated: boolean): Promise<void> {
    const groups = new Set(this.#affiliated);
    if (affiliated) groups.add(groupId);
    else groups.delete(groupId);
    return this.setAffiliatedGroups([...groups]);
  }

  async setAffiliatedGroups(groupIds: readonly string[]): Promise<void> {
    const client = this.#require();
    const plaintext = `Affiliated groups:\n${groupIds.join('\n')}`;
    const publish = this.#records.expect('PUBLISH', 'Affiliation', plaintext);
    await this.#recorded(
      publish,
      client.setAffiliation({ target: this.#config.serverUri, groups: [...groupIds] }),
    );
    this.#affiliated.clear();
    for (const groupId of groupIds) this.#affiliated.add(groupId);
  }

  async pressTalk(groupId: string): Promise<void> {
    // The INVITE requests the floor, and Floor Granted may arrive as soon as the call is up.
    const call = this.#calls.liveGroupCall(groupId) ?? this.#startGroupCall(groupId, false);
    this.#talk.hold(call);
    await this.#established(call);
    // The release may have come while the call was being set up: give back the floor that the
    // INVITE requested.
    if (this.#talk.talking !== call) {
      if (call.floor !== undefined) releaseFloor(call.floor);
      return;
    }
    this.#talk.press(call);
  }

  async startEmergencyCall(groupId: string): Promise<void> {
    const live = this.#calls.liveGroupCall(groupId);
    if (live?.emergency !== true && live?.state === 'established') {
      await this.#upgrade(live, groupId);
      return;
    }
    // An emergency sets up a new call unless the group's call is an emergency call now or can be
    // upgraded. The server ends the group's ordinary call that is still being set up.
    const call = live?.emergency === true ? live : this.#startGroupCall(groupId, true);
    await this.#established(call);
  }

  /** Upgrades the group's established ordinary call to an emergency call. */
  async #upgrade(call: McpttCall, groupId: string): Promise<void> {
    const update = this.#records.expect(
      'UPDATE',
      `Emergency upgrade of the group call to ${groupId}`,
      'mcptt-info: emergency-ind true',
    );
    await this.#recorded(update, call.upgradeToEmergency());
  }

  /**
   * Sets up a group call and follows its floor. An emergency call's INVITE requests no floor,
   * because its user has not pressed the talk button. A request that the app released again at
   * once would race with the server's grant, and a stale grant could end a later press.
   */
  #startGroupCall(groupId: string, emergency: boolean): McpttCall {
    const kind = emergency ? 'Emergency group call' : 'Group call';
    const invite = this.#records.expect(
      'INVITE',
      `${kind} to ${groupId}`,
      `mcptt-info: ${kind.toLowerCase()} to ${groupId}`,
    );
    const call = this.#records.attempt(invite, () =>
      this.#require().startGroupCall({
        groupId,
        ...(emergency ? { emergency: true, implicitFloorRequest: false } : {}),
      }),
    );
    this.#invites.set(call.callId, invite);
    this.#track(call, {
      kind: 'group',
      direction: 'outgoing',
      groupId,
      peerId: undefined,
    });
    this.#talk.follow(call);
    return call;
  }

  pressTalkInCall(callId: string): Promise<void> {
    const call = this.#calls.get(callId);
    if (call?.state !== 'established') {
      return Promise.reject(new Error(`The call with Call-ID ${callId} is not set up`));
    }
    this.#talk.press(call);
    return Promise.resolve();
  }

  releaseTalk(): void {
    this.#talk.release();
  }

  async callUser(peerId: string, options: { readonly automatic?: boolean } = {}): Promise<void> {
    const automatic = options.automatic === true;
    const invite = this.#records.expect(
      'INVITE',
      `${automatic ? 'Automatic private call' : 'Private call'} to ${peerId}`,
      `resource-lists: ${peerId}`,
    );
    // Neither side talks until its user holds the talk button, so the INVITE requests no floor.
    const call = this.#records.attempt(invite, () =>
      this.#require().startPrivateCall({
        calleeId: peerId,
        commencement: automatic ? 'automatic' : 'manual',
        implicitFloorRequest: false,
      }),
    );
    this.#invites.set(call.callId, invite);
    this.#track(call, {
      kind: 'private',
      direction: 'outgoing',
      groupId: undefined,
      peerId,
    });
    this.#talk.follow(call);
    await this.#established(call);
  }

  async cancelEmergency(callId: string): Promise<void> {
    const call = this.#calls.get(callId);
    const info = this.#calls.info(callId);
    if (call === undefined || info === undefined) throw new Error(`No call with Call-ID ${callId}`);
    const update = this.#records.expect(
      'UPDATE',
      describeEmergencyEnd(info),
      'mcptt-info: emergency-ind false',
    );
    await this.#recorded(update, call.cancelEmergency());
  }

  async answer(callId: string): Promise<void> {
    const call = this.#calls.get(callId);
    if (call === undefined) throw new Error(`No call with Call-ID ${callId}`);
    call.accept({ mediaConstraints: { audio: true, video: false } });
    this.#talk.follow(call);
    await this.#established(call);
  }

  reject(callId: string): void {
    const call = this.#calls.get(callId);
    if (call?.awaitsAnswer === true) call.reject(486);
  }

  hangUp(callId: string): void {
    const call = this.#calls.get(callId);
    if (call === undefined) return;
    this.#hungUp.add(callId);
    call.hangUp();
  }

  async sendShortData(conversation: Conversation, text: string): Promise<void> {
    const client = this.#require();
    const message = this.#records.expect('MESSAGE', `Short data to ${conversation.id}`, text);
    await this.#recorded(message, client.sendShortData(conversation.id, text));
    this.#delegate.onShortData?.({
      id: this.#nextId(),
      direction: 'out',
      from: this.userId,
      conversation,
      text,
      at: new Date(),
    });
  }

  #sdkDelegate(): McpttClientDelegate {
    return {
      onRegistered: () => this.#delegate.onRegistration?.('registered'),
      onIncomingCall: (event) => this.#onIncomingCall(event),
      onRegistrationFailed: (cause) => this.#delegate.onRegistration?.('failed', cause),
      // JsSIP reconnects and registers again by itself, and onRegistered then follows.
      onDisconnected: () => this.#delegate.onRegistration?.('reconnecting'),
      // The server rejected a refresh of the authorisation, so it lapses: the service is over.
      // A refresh that the client retries changes nothing yet.
      onRefreshFailed: (event) => {
        if (event.publication === 'service-authorisation' && !event.retrying) {
          const cause = `service authorisation refresh rejected (${String(event.sipStatus)})`;
          this.#delegate.onRegistration?.('failed', cause);
        }
      },
      onShortData: (event) => {
        this.#delegate.onShortData?.({
          id: this.#nextId(),
          direction: 'in',
          from: event.from,
          conversation:
            event.groupId === undefined
              ? { kind: 'user', id: this.userId }
              : { kind: 'group', id: event.groupId },
          text: event.text,
          at: new Date(),
        });
        this.#records.received(
          { direction: 'in', method: 'MESSAGE', callId: event.callId },
          `Short data from ${event.from}${event.groupId === undefined ? '' : ` to ${event.groupId}`}`,
          event.text,
          event.security,
        );
      },
      onSecurityFailure: (event) => {
        const method = event.method ?? 'message';
        const message =
          event.direction === 'incoming'
            ? `Rejected a received ${method} that failed the security checks.`
            : `An outgoing ${method} could not be protected and was not sent.`;
        this.#delegate.onRejected?.(message, `${String(event.sipStatus)} ${event.code}`);
      },
    };
  }

  #onIncomingCall(event: IncomingCallEvent): void {
    const { call } = event;
    const groupId =
      event.kind === 'group' ? (event.info?.callingGroupId ?? event.info?.requestUri) : undefined;
    this.#track(call, {
      kind: event.kind,
      direction: 'incoming',
      groupId,
      peerId: event.info?.callingUserId ?? event.from,
    });
    // Group calls of affiliated groups and automatic private calls start at once, with the
    // microphone off until the user presses talk (TS 24.379 automatic commencement). The server
    // may still count the user in a group that the app shows as not affiliated, for example
    // before the stored groups are published again after a page reload. Such a call rings, so
    // that the user decides.
    const joinAtOnce =
      event.kind === 'group'
        ? groupId !== undefined && this.#affiliated.has(groupId)
        : event.commencement === 'automatic';
    if (joinAtOnce) {
      call.accept({ mediaConstraints: { audio: true, video: false } });
      // Late entry: the server sends Floor Taken or Floor Idle as soon as the channel opens.
      this.#talk.follow(call);
    }
    // The panel's record comes after accept(), because a record redraws the app's views, and
    // that must not delay the signalling.
    this.#records.received(
      { direction: 'in', method: 'INVITE', callId: call.callId },
      describeIncomingCall(event),
      describeCallInfo(event),
      event.security,
    );
  }

  /**
   * Starts following a call. Its microphone stays off until the user holds the talk button in
   * it. JsSIP adds the microphone's track before it makes the SDP and reports `connecting` then,
   * before any media flows.
   */
  #track(call: McpttCall, fields: CallFields): void {
    this.#calls.track(call, fields);
    call.session.on('connecting', () => this.#talk.apply(call));
    // JsSIP creates an outgoing call's connection before the call is returned, and an incoming
    // call's when it is accepted.
    const watch = (connection: RTCPeerConnection): void =>
      onConnectionFailed(connection, () => this.#endFailedCall(call));
    const current = call.session.connection as RTCPeerConnection | null;
    if (current !== null) watch(current);
    call.session.on('peerconnection', (event) => watch(event.peerconnection as RTCPeerConnection));
    call.established().then(
      () => this.#talk.apply(call),
      () => undefined,
    );
  }

  /**
   * Ends a call whose media connection failed, for example because the other side's page or the
   * network went away. JsSIP keeps such a call confirmed until a BYE arrives, and none may come.
   */
  #endFailedCall(call: McpttCall): void {
    if (call.state === 'ended' || call.state === 'failed') return;
    // The reason goes first, so that the app reports the call as failed before it ends.
    this.#calls.fail(call.callId, 'the media connection failed');
    call.hangUp();
  }

  /**
   * Waits until a call is set up, and rejects when it failed. A call that the user ended before
   * it was set up, which fails with 487 Request Terminated, resolves instead.
   */
  async #established(call: McpttCall): Promise<void> {
    const invite = this.#invites.get(call.callId);
    this.#invites.delete(call.callId);
    try {
      await call.established();
    } catch (error) {
      if (this.#hungUp.has(call.callId)) {
        // An INVITE that never left would give its record to the next call's INVITE.
        if (invite !== undefined && invite.record === undefined) {
          this.#records.fail(invite, failureReason(error));
        }
        return;
      }
      this.#calls.fail(call.callId, error instanceof Error ? error.message : String(error));
      if (invite !== undefined) this.#records.fail(invite, failureReason(error));
      throw error;
    }
  }

  /** Waits for a request, and marks its security record as failed when it fails. */
  async #recorded<T>(pending: PendingRecord, request: Promise<T>): Promise<T> {
    try {
      return await request;
    } catch (error) {
      this.#records.fail(pending, failureReason(error));
      throw error;
    }
  }

  #require(): McpttClient {
    if (this.#client === undefined) throw new Error('The MCPTT client is not started');
    return this.#client;
  }

  #nextId(): string {
    this.#sequence += 1;
    return `${this.userId}#${String(this.#sequence)}`;
  }
}

/** Returns the status line of a failed request for its record, such as `408 Request Timeout`. */
function failureReason(error: unknown): string {
  const { message, detail } = describeError(error);
  return detail ?? message;
}
