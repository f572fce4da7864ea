/**
 * The records of the security panel for the SDK client. They tie the plaintext of each request
 * that the app sends to the protected message that the core relays, and keep the security result
 * of each message that the app receives.
 *
 * @module
 */

import {
  parseMcpttInfo,
  type CallPartsEvent,
  type IncomingCallEvent,
  type McpttInfo,
} from '@mcptt-smime/sdk';
import type { SecurityInfo } from '@mcptt-smime/smime';
import type { CallInfo, MessageSecurity, SecurityRecord } from './client.js';
import type { WireMessage } from './wire-socket.js';

/** A request whose plaintext is noted, and its record once the request crossed the wire. */
export interface PendingRecord {
  readonly method: string;
  readonly summary: string;
  readonly plaintext: string;
  record: SecurityRecord | undefined;
}

/** Converts the SDK's security outcome to what the panel shows. */
export function toMessageSecurity(security: SecurityInfo): MessageSecurity {
  return {
    protected: security.protected,
    encrypted: security.encrypted,
    signed: security.signed,
    signerUri: security.signerUri,
    algorithms: security.algorithms,
  };
}

/** Makes the records of one client and hands each one, and each change of one, to `emit`. */
export class SecurityRecorder {
  readonly #userId: string;
  readonly #emit: (record: SecurityRecord) => void;
  /** Requests about to be protected and sent, by method, oldest first. */
  readonly #outgoing = new Map<string, PendingRecord[]>();
  #sequence = 0;

  constructor(userId: string, emit: (record: SecurityRecord) => void) {
    this.#userId = userId;
    this.#emit = emit;
  }

  /** Notes the plaintext of a request that is about to be protected and sent. */
  expect(method: string, summary: string, plaintext: string): PendingRecord {
    const pending: PendingRecord = { method, summary, plaintext, record: undefined };
    const queue = this.#outgoing.get(method) ?? [];
    queue.push(pending);
    this.#outgoing.set(method, queue);
    return pending;
  }

  /** Records an outgoing protected message for the oldest noted request of its method. */
  sent(message: WireMessage): void {
    if (!message.protected || message.direction === 'in') return;
    const pending = this.#outgoing.get(message.method)?.shift();
    if (pending === undefined) return;
    pending.record = this.#make(message, pending.summary, pending.plaintext, undefined);
    this.#emit(pending.record);
  }

  /** Records a received message with the security result of the SDK. */
  received(
    wire: Pick<WireMessage, 'direction' | 'method' | 'callId'>,
    summary: string,
    plaintext: string,
    security: SecurityInfo | undefined,
  ): void {
    this.#emit(this.#make(wire, summary, plaintext, security));
  }

  /**
   * Marks a noted request as failed with `reason`, such as `408 Request Timeout`. A request that
   * never reached the wire is no longer expected, so that the next one of its method does not
   * take its place.
   */
  fail(pending: PendingRecord, reason: string): void {
    if (pending.record !== undefined) {
      const record = { ...pending.record, failure: reason };
      pending.record = record;
      this.#emit(record);
      return;
    }
    const queue = this.#outgoing.get(pending.method) ?? [];
    const index = queue.indexOf(pending);
    if (index !== -1) queue.splice(index, 1);
  }

  /**
   * Calls `start`, which sends the noted request, and returns what it returns. When `start`
   * throws, as the SDK does for a call while the transport is down, the request never reaches
   * the wire and is no longer expected, so that the next one of its method does not take its
   * record.
   */
  attempt<T>(pending: PendingRecord, start: () => T): T {
    try {
      return start();
    } catch (error) {
      this.fail(pending, error instanceof Error ? error.message : String(error));
      throw error;
    }
  }

  #make(
    wire: Pick<WireMessage, 'direction' | 'method' | 'callId'>,
    summary: string,
    plaintext: string,
    security: SecurityInfo | undefined,
  ): SecurityRecord {
    this.#sequence += 1;
    return {
      id: `${this.#userId}#record-${String(this.#sequence)}`,
      direction: wire.direction,
      method: wire.method,
      callId: wire.callId,
      summary,
      plaintext,
      security: security === undefined ? undefined : toMessageSecurity(security),
      at: new Date(),
    };
  }
}

/**
 * Returns the summary of an incoming call. The MCPTT server sends every call, so the caller is
 * the user that the server's signed mcptt-info names, and the From header only when it names
 * none.
 */
export function describeIncomingCall(event: IncomingCallEvent): string {
  const caller = event.info?.callingUserId ?? event.from;
  if (event.kind === 'private') return `Private call from ${caller}`;
  const kind = event.info?.emergency === true ? 'Emergency group call' : 'Group call';
  const groupId = event.info?.callingGroupId ?? event.info?.requestUri;
  return `${kind}${groupId === undefined ? '' : ` to ${groupId}`} from ${caller}`;
}

/** Returns the received mcptt-info of a call, one field a line, as the panel shows it. */
export function describeCallInfo(event: IncomingCallEvent): string {
  return describeInfo(event.info);
}

/**
 * Returns the summary and the plaintext of a request with MCPTT parts inside a call, such as the
 * server's UPDATE that ends the emergency for the other participants.
 */
export function describeCallUpdate(
  call: CallInfo,
  event: CallPartsEvent,
): { summary: string; plaintext: string } {
  const where = callPlace(call);
  const body = event.parts.find((part) => part.contentType === MCPTT_INFO_TYPE)?.body;
  const info = body === undefined ? undefined : parseInfo(body);
  const summary =
    info?.emergency === false
      ? `Emergency ended in ${where}`
      : info?.emergency === true
        ? `Emergency upgrade of ${where}`
        : `${event.method} in ${where}`;
  const plaintext =
    info === undefined ? event.parts.map((part) => part.body).join('\n\n') : describeInfo(info);
  return { summary, plaintext };
}

/**
 * Returns the summary of the UPDATE that ends the emergency of a call. The group comes from the
 * app's record of the call, which has it for incoming calls too, whose received mcptt-info names
 * the group as the calling group rather than as the request URI.
 */
export function describeEmergencyEnd(call: CallInfo): string {
  return `End of the emergency in ${callPlace(call)}`;
}

/** Returns the call as the summaries name it, such as `the group call to sip:fire-1@…`. */
function callPlace(call: CallInfo): string {
  return call.kind === 'group'
    ? `the group call to ${call.groupId ?? 'a group'}`
    : 'the private call';
}

const MCPTT_INFO_TYPE = 'application/vnd.3gpp.mcptt-info+xml';

function parseInfo(body: string): McpttInfo | undefined {
  try {
    return parseMcpttInfo(body);
  } catch {
    return undefined;
  }
}

function describeInfo(info: McpttInfo | undefined): string {
  if (info === undefined) return '(no mcptt-info)';
  return Object.entries(info)
    .map(([name, value]) => `${name}: ${String(value)}`)
    .join('\n');
}
