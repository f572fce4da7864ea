/**
 * The interface between the demo app and the MCPTT client underneath it. The views talk only to
 * these types, so the app runs on the SDK in the browser and on a scripted client in UI unit
 * tests. `sdk-client.ts` implements it on `@mcptt-smime/sdk` and `@mcptt-smime/keystore`.
 *
 * @module
 */

import type { FloorStatus } from './floor-status.js';

/** Protection summary of one SIP message, as the app shows it after the SDK has opened it. */
export interface MessageSecurity {
  /** True when at least one body part arrived signed or encrypted. */
  readonly protected: boolean;
  readonly encrypted: boolean;
  readonly signed: boolean;
  /** SIP URI from the signer certificate's subjectAltName, when signed. */
  readonly signerUri: string | undefined;
  /** Algorithm names by role, for example `{ signature: 'ecdsa-with-SHA256' }`. */
  readonly algorithms: Readonly<Record<string, string>>;
}

/** A group that the user belongs to. */
export interface GroupInfo {
  /** MCPTT group ID, a SIP URI. */
  readonly id: string;
  readonly name: string;
  readonly affiliated: boolean;
}

/** Another user of the demo, a possible private call or short-data peer. */
export interface PeerInfo {
  /** MCPTT ID, a SIP URI. */
  readonly id: string;
  readonly name: string;
}

/** Target of a short-data message or a call: a group or one user. */
export interface Conversation {
  readonly kind: 'group' | 'user';
  /** MCPTT group ID or MCPTT ID. */
  readonly id: string;
}

/**
 * Life cycle of a call as the app shows it.
 *
 * ```
 * calling ──> confirmed ──> ended
 * ringing ──┘      (any) ──> failed
 * ```
 */
export type CallState = 'calling' | 'ringing' | 'confirmed' | 'ended' | 'failed';

/** One call, outgoing or incoming, group or private. */
export interface CallInfo {
  /** SIP Call-ID of the dialog. */
  readonly id: string;
  readonly kind: 'group' | 'private';
  readonly direction: 'outgoing' | 'incoming';
  /** MCPTT group ID of a group call. */
  readonly groupId: string | undefined;
  /** MCPTT ID of the other party of a private call, or of the caller of an incoming call. */
  readonly peerId: string | undefined;
  /**
   * True while the call is an emergency call. It turns false when the originator ends the
   * emergency, and a call that the user joined takes it from the server's 2xx response.
   */
  readonly emergency: boolean;
  /**
   * True when the local user started the call's current or last emergency, by setting up an
   * emergency call or by upgrading the group's call, and so may end the emergency.
   */
  readonly emergencyCaller: boolean;
  /**
   * True while the emergency that the call was set up with runs, which its caller started. False
   * after any change of the emergency, such as an upgrade by a participant.
   */
  readonly emergencyAtSetUp: boolean;
  readonly state: CallState;
  /** Reason of a failure or a rejection, such as `403 Forbidden`. */
  readonly reason: string | undefined;
  /** The floor as floor control reports it; absent while the call has no floor control. */
  readonly floor?: FloorStatus;
}

/** One short-data message, sent or received. */
export interface ShortDataMessage {
  readonly id: string;
  readonly direction: 'in' | 'out';
  /** MCPTT ID of the sender. */
  readonly from: string;
  readonly conversation: Conversation;
  readonly text: string;
  readonly at: Date;
}

/**
 * The security record of one SIP message that crossed the core: what the app sent or got in clear,
 * and how it was protected. The security panel shows it beside the core's body log entries with the
 * same Call-ID and method.
 */
export interface SecurityRecord {
  readonly id: string;
  readonly direction: 'in' | 'out';
  /** Request method, or the status code and method of a response, such as `200 INVITE`. */
  readonly method: string;
  readonly callId: string;
  /** One line for the list, such as `Short data from sip:bob@example.org`. */
  readonly summary: string;
  /** The plaintext body parts (never the SDP alone), as the app built or opened them. */
  readonly plaintext: string;
  /** Undefined for an outgoing message, which the app protects but does not verify. */
  readonly security: MessageSecurity | undefined;
  readonly at: Date;
  /**
   * The final response of an outgoing request that failed after it was sent, such as
   * `408 Request Timeout`. A record with the same id then replaces the first one.
   */
  readonly failure?: string;
}

/**
 * Registration state of the client with the core and the MCPTT server. `reconnecting` follows a
 * lost connection to the core or a lapsed registration, until the client registers again or the
 * new registration fails.
 */
export type RegistrationState =
  'unregistered' | 'registering' | 'registered' | 'reconnecting' | 'failed';

/** Callbacks of {@link PttClient}. Each is optional. */
export interface PttClientDelegate {
  onRegistration?(state: RegistrationState, reason?: string): void;
  /** Called on every change of a call, including the first. */
  onCall?(call: CallInfo): void;
  /** Called when the talker of a call changes; `talkerId` is undefined when nobody talks. */
  onTalker?(callId: string, talkerId: string | undefined): void;
  onShortData?(message: ShortDataMessage): void;
  onSecurityRecord?(record: SecurityRecord): void;
  /**
   * Called when a message was rejected, for example a tampered or untrusted incoming one, or an
   * outgoing one that could not be protected. `message` is a sentence for the user, and `detail`
   * the SIP status and the error code.
   */
  onRejected?(message: string, detail: string): void;
}

/** The MCPTT functions that the demo app uses. */
export interface PttClient {
  /** MCPTT ID of the local user. */
  readonly userId: string;
  readonly displayName: string;
  /** True when the server lets the local user, such as a dispatcher, end others' emergencies. */
  readonly mayCancelEmergencies: boolean;
  /** Groups the user belongs to, with the current affiliation. */
  groups(): readonly GroupInfo[];
  /** Other users of the demo. */
  peers(): readonly PeerInfo[];
  /** Connects to the core and registers with protected mcptt-info. */
  start(delegate: PttClientDelegate): Promise<void>;
  /** Ends every call and unregisters. */
  stop(): Promise<void>;
  /** Affiliates to a group or leaves it (PUBLISH with protected pidf+xml). */
  setAffiliation(groupId: string, affiliated: boolean): Promise<void>;
  /**
   * Publishes the complete set of affiliated groups, such as the set stored before a page
   * reload, and leaves every other group.
   */
  setAffiliatedGroups(groupIds: readonly string[]): Promise<void>;
  /**
   * Takes the floor in a group: sets up the group call first when none is up, then unmutes the
   * microphone. Resolves once the call is confirmed.
   */
  pressTalk(groupId: string): Promise<void>;
  /**
   * Makes the group's call an emergency call: upgrades the group's established ordinary call, or
   * sets up an emergency call when there is none yet. The INVITE requests no floor: the user then
   * presses the talk button to speak, with the emergency priority. Resolves once the server
   * confirms the upgrade, or once the group's emergency call is confirmed.
   */
  startEmergencyCall(groupId: string): Promise<void>;
  /**
   * Talks in a live call, such as a private call. It requests the floor where the call has floor
   * control and unmutes the microphone once the floor is granted, or at once without floor
   * control. Rejects when the call is not set up.
   */
  pressTalkInCall(callId: string): Promise<void>;
  /** Mutes the microphone again and releases the floor. The call stays up. */
  releaseTalk(): void;
  /**
   * Starts a private call to another user. With `automatic`, the callee's client accepts it
   * without the user (automatic commencement), as a dispatcher does to reach a unit at once.
   */
  callUser(peerId: string, options?: { readonly automatic?: boolean }): Promise<void>;
  /**
   * Ends the emergency of an emergency group call that the user started, or of any emergency
   * group call for a user who may cancel emergencies. The call goes on as an ordinary group call.
   * Rejects when the server rejects the request, or when the call is not an emergency call.
   */
  cancelEmergency(callId: string): Promise<void>;
  answer(callId: string): Promise<void>;
  reject(callId: string): void;
  hangUp(callId: string): void;
  sendShortData(conversation: Conversation, text: string): Promise<void>;
}
