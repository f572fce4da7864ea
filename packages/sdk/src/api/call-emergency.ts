/**
 * The emergency state of one call, as the signed messages of its dialog report it (3GPP TS
 * 24.379: an emergency group call, its upgrade from a group call and its cancellation).
 *
 * @module
 */
import type { ReceivedMessage } from '../core/smime-pipeline.js';
import { parseMcpttInfo, type McpttInfo } from '../mcptt/mcptt-info.js';
import { MCPTT_INFO_TYPE } from '../mcptt/media-types.js';

/** This client's UPDATE that requests the start or the end of the emergency state. */
export interface EmergencyRequest {
  /** The requested `emergency-ind`. */
  readonly emergency: boolean;
  /** CSeq number of the UPDATE, once it was handed to JsSIP. */
  cseq: number | undefined;
  /** Set when a signed 2xx response to the UPDATE confirmed the requested state. */
  confirmed: boolean;
}

/** Options of {@link CallEmergency}. */
export interface CallEmergencyInit {
  /** True for a call that starts as an emergency call. */
  readonly active: boolean;
  /** True when this client started that emergency, with the INVITE of its emergency call. */
  readonly startedHere: boolean;
  /** Called with the new state at each change. It must not throw. */
  readonly onChange: (active: boolean) => void;
}

/**
 * The emergency state of one call, who started it, and this client's request to change it.
 *
 * @internal
 */
export class CallEmergency {
  #active: boolean;
  #startedHere: boolean;
  #request: EmergencyRequest | undefined;
  /**
   * Highest CSeq number of the far end's requests that JsSIP's dialog checked, with or without
   * mcptt-info.
   */
  #remoteSequence = 0;
  readonly #onChange: (active: boolean) => void;

  constructor(init: CallEmergencyInit) {
    this.#active = init.active;
    this.#startedHere = init.startedHere;
    this.#onChange = init.onChange;
  }

  /** True while the call is an emergency call. */
  get active(): boolean {
    return this.#active;
  }

  /**
   * True when this client started the current or the last emergency state: with the INVITE of an
   * emergency call, or with a confirmed upgrade.
   */
  get startedHere(): boolean {
    return this.#startedHere;
  }

  /** True while a request of this client waits for its final response. */
  get pending(): boolean {
    return this.#request !== undefined;
  }

  /** Notes a request of this client for `emergency`, whose confirmation {@link read} looks for. */
  request(emergency: boolean): EmergencyRequest {
    const request: EmergencyRequest = { emergency, cseq: undefined, confirmed: false };
    this.#request = request;
    return request;
  }

  /** Stops looking for the confirmation of `request`, once it has its final response. */
  settle(request: EmergencyRequest): void {
    if (this.#request === request) this.#request = undefined;
  }

  /**
   * Follows the state in a signed mcptt-info from the call's remote party. Three kinds of message
   * count. The first 2xx response to the INVITE of an outgoing call (`firstAnswer`) gives the
   * state of the call joined. A 2xx response to this client's pending upgrade or cancellation
   * gives the state requested, when it confirms it. A request, such as the server's UPDATE that
   * passes on another participant's upgrade or cancellation, may set either state. Any other
   * response is ignored. The far end sends a 2xx again until its ACK or the end of its
   * transaction, and the SIP core can replay one, so a late or repeated copy would undo a change
   * that came after it. Returns false for such a late request, which JsSIP rejects, and true
   * for every other message. `inDialog` is true when JsSIP's dialog checks the CSeq of the
   * request, signed or not. The core can send a request in clear with the call's Call-ID and any
   * CSeq outside the dialog, where JsSIP takes no CSeq from it, or inside, where it does.
   */
  read(received: ReceivedMessage, firstAnswer: boolean, inDialog: boolean): boolean {
    if (received.status === undefined && inDialog) {
      // JsSIP rejects with 500 a request whose CSeq is below that of any earlier request of the
      // far end (RFC 3261 §12.2.2), such as one that the core delayed, so it changes nothing here.
      if (received.cseq.sequence < this.#remoteSequence) return false;
      this.#remoteSequence = received.cseq.sequence;
    }
    const info = signedInfo(received);
    // The server leaves `emergency-ind` out of the answer of an ordinary call.
    if (firstAnswer && info !== undefined) this.#set(info.emergency === true);
    const emergency = info?.emergency;
    if (firstAnswer || emergency === undefined) return true;
    if (received.status === undefined) {
      // Another participant started the emergency, so only that participant may cancel it.
      if (emergency) this.#startedHere = false;
      this.#set(emergency);
    } else if (this.#confirms(received, emergency)) {
      // This client started the emergency unless a request of the server made the call an
      // emergency call first, such as for another participant's upgrade.
      if (emergency && !this.#active) this.#startedHere = true;
      this.#set(emergency);
    }
    return true;
  }

  /** True when `received` is a 2xx response to the pending request that confirms it. */
  #confirms(received: ReceivedMessage, emergency: boolean): boolean {
    const request = this.#request;
    const status = received.status ?? 0;
    const confirms =
      request !== undefined &&
      request.emergency === emergency &&
      received.method === 'UPDATE' &&
      received.cseq.sequence === request.cseq &&
      status >= 200 &&
      status < 300;
    if (confirms) request.confirmed = true;
    return confirms;
  }

  #set(active: boolean): void {
    if (this.#active === active) return;
    this.#active = active;
    this.#onChange(active);
  }
}

/**
 * Returns the mcptt-info part of `received`, or undefined when the message is unsigned, or its
 * mcptt-info is missing or does not parse.
 */
function signedInfo(received: ReceivedMessage): McpttInfo | undefined {
  const part = received.parts.find((candidate) => candidate.contentType === MCPTT_INFO_TYPE);
  if (part === undefined || !received.security.signed) return undefined;
  try {
    return parseMcpttInfo(part.body);
  } catch {
    return undefined;
  }
}
