/**
 * Group calls (prearranged and chat), emergency group calls and private calls
 * (3GPP TS 24.379 §10.1, §11.1). The server opens the caller's INVITE, checks membership, invites
 * the other participants with INVITEs protected for each of them, and answers the caller with a
 * protected 200 OK.
 *
 * @module
 */
import { addressOfRecord, protectedHeaderValues, ReplayedError } from '@mcptt-smime/smime';
import { MEDIA_TYPES, partText, textPart } from './body-parts.js';
import {
  EMERGENCY_CALLER_LEGS_RESERVE,
  MAX_CALLER_LEGS_PER_USER,
  isParticipant,
  type Call,
  type CallKind,
  type CallLeg,
} from './call-store.js';
import { createUasDialog } from './dialog.js';
import { MediaLeg } from './media-leg.js';
import { MediaRelay } from './media-relay.js';
import { CallFloor } from './floor/call-floor.js';
import { hasImplicitFloorRequest } from './floor/implicit-request.js';
import { dropLeg, endCall, endCallIfOver, inviteUser, leaveFloor } from './member-invite.js';
import { withEmergency } from './emergency-state.js';
import {
  buildMcpttInfo,
  parseMcpttInfo,
  parseResourceListUris,
  type McpttInfo,
} from './mcptt-xml.js';
import {
  checkAuthorised,
  openRequest,
  reject,
  rejectWithError,
  type OpenedRequest,
} from './request-guard.js';
import { protectResponse, type ServerContext } from './server-context.js';
import { createResponse, randomToken } from './sip-builder.js';
import { dialogHeaders, findDialogLeg } from './talk-handler.js';
import type { ServerTransaction } from './transaction-layer.js';

/**
 * Handles an initial INVITE to the server. A CANCEL may end it until it is answered. An INVITE
 * with the Call-ID of a leg, or of another INVITE still pending, gets 403 with ERR_REPLAYED. The
 * server looks up each leg by its Call-ID, which the SIP core relays in clear, so another user
 * who signs an INVITE with it would take the leg's place in its call.
 */
export async function handleInvite(
  context: ServerContext,
  transaction: ServerTransaction,
): Promise<void> {
  const { callId } = transaction.request;
  if (context.calls.byLeg(callId) !== undefined || context.pendingInvites.hasCallId(callId)) {
    rejectWithError(context, transaction, new ReplayedError('INVITE with the Call-ID of a leg'));
    return;
  }
  const signal = context.pendingInvites.add(transaction);
  try {
    await startCall(context, transaction, signal);
  } finally {
    context.pendingInvites.delete(transaction);
  }
}

async function startCall(
  context: ServerContext,
  transaction: ServerTransaction,
  signal: AbortSignal,
): Promise<void> {
  const opened = await openRequest(context, transaction, true);
  if (opened === undefined || signal.aborted || !checkAuthorised(context, transaction, opened)) {
    return;
  }
  const infoText = partText(opened.parts, MEDIA_TYPES.mcpttInfo);
  if (infoText === undefined || partText(opened.parts, MEDIA_TYPES.sdp) === undefined) {
    reject(context, transaction, 400, 'SDP or mcptt-info missing');
    return;
  }
  const info = parseMcpttInfo(infoText);
  const legs = context.calls.callerLegsOf(opened.sender);
  const limit =
    MAX_CALLER_LEGS_PER_USER + (info.emergency === true ? EMERGENCY_CALLER_LEGS_RESERVE : 0);
  if (legs + context.pendingInvites.pendingFrom(opened.sender) >= limit) {
    reject(context, transaction, 486, 'caller has too many calls');
    return;
  }
  context.pendingInvites.setCaller(transaction, opened.sender);

  const kind = callKind(info.sessionType);
  if (kind === undefined) {
    reject(context, transaction, 488, 'unsupported session-type');
    return;
  }
  // The offer is applied first, so that an offer the server cannot answer neither rings the
  // called party nor pre-empts a call.
  const media = await answerOffer(context, transaction, opened);
  if (media === undefined) {
    return;
  }
  try {
    if (kind === 'private') {
      await startPrivateCall(context, transaction, opened, info, { media, signal });
    } else {
      await startGroupCall(context, transaction, opened, info, { media, kind });
    }
  } finally {
    const callId = transaction.request.callId;
    if (context.calls.byLeg(callId)?.media.media(callId) !== media) {
      await media.close();
    }
  }
}

async function startGroupCall(
  context: ServerContext,
  transaction: ServerTransaction,
  opened: OpenedRequest,
  info: McpttInfo,
  { media, kind }: { readonly media: MediaLeg; readonly kind: CallKind },
): Promise<void> {
  const group = context.registry.group(info.callingGroupId ?? info.requestUri ?? '');
  if (group === undefined) {
    reject(context, transaction, 404, 'unknown group');
    return;
  }
  if (!context.registry.isMember(group, opened.sender)) {
    reject(context, transaction, 403, 'caller is not a group member');
    return;
  }

  const emergency = isEmergencyCall(context, transaction, info);
  let call = context.calls.byGroup(group.id);
  if (call !== undefined && emergency && !call.emergency) {
    // An emergency call pre-empts the ordinary call of its group (TS 24.379 §10.1.2.2.1.5).
    preemptCall(context, call);
    call = undefined;
  }

  const joining = call !== undefined;
  if (call === undefined) {
    call = newCall(context, kind, group.id, opened.sender, emergency);
    // Stored before its caller is answered, so that an INVITE for the group that arrives
    // meanwhile joins this call instead of starting a second one.
    context.calls.add(call);
  }
  // The 200 OK's mcptt-info carries the emergency state of the call, which a joining caller
  // may not know.
  const callInfo: McpttInfo = {
    sessionType: kind,
    callingGroupId: group.id,
    ...(call.emergency ? { emergency: true } : {}),
  };
  const leg = await answerCaller(context, transaction, opened, call, media, callInfo, emergency);
  if (leg === undefined && !joining && call.legs.size === 0) {
    // The call has no participant, so the group's next INVITE starts a new one.
    context.calls.remove(call);
  }
  if (leg === undefined || joining) {
    return;
  }

  context.logger.info({ call: call.id, callId: leg.callId, emergency }, 'group call started');
  const invitees = group.members.filter(
    (member) =>
      addressOfRecord(member) !== opened.sender &&
      context.registry.isAuthorised(member) &&
      context.registry.isAffiliated(member, group) &&
      // A member who affiliated meanwhile may have an invitation as a late entrant already.
      !isParticipant(call, member),
  );
  // inviteUser adds the emergency state that the call has when it builds each INVITE.
  const memberInfo: McpttInfo = {
    sessionType: kind,
    callingUserId: opened.sender,
    callingGroupId: group.id,
  };
  await Promise.all(invitees.map((member) => inviteUser(context, call, member, memberInfo)));
}

/**
 * Invites `uri` to the running call of each group in `groupIds`, to which the user has just
 * affiliated (late call entry). A user who already has a leg in a call or an invitation to it
 * under way, or whose service authorisation has lapsed, is not invited, nor is anyone to a call
 * whose caller has no 200 OK yet. Resolves once every invitation has ended.
 */
export async function inviteLateEntrant(
  context: ServerContext,
  uri: string,
  groupIds: readonly string[],
): Promise<void> {
  if (!context.registry.isAuthorised(uri)) return;
  const invitations = groupIds.flatMap((groupId) => {
    const call = context.calls.byGroup(groupId);
    // A call without legs has not sent its caller the 200 OK yet. It invites every affiliated
    // member once it has, so an invitation now would be a second one.
    if (call === undefined || call.legs.size === 0) return [];
    if (isParticipant(call, uri)) return [];
    context.logger.info({ call: call.id, user: uri }, 'late entrant invited');
    // inviteUser adds the emergency state that the call has when it builds the INVITE.
    const info: McpttInfo = {
      sessionType: call.kind,
      callingUserId: call.originator,
      callingGroupId: groupId,
    };
    return [inviteUser(context, call, uri, info)];
  });
  await Promise.all(invitations);
}

/**
 * True when the caller's mcptt-info carries `emergency-ind`. The mcptt-info is signed and
 * encrypted (unless `insecurePlainCalls` is on), while a Resource-Priority header is not, so the
 * SIP core could add one to make an ordinary call pre-empt a group's running call. Such a header
 * is logged and ignored.
 */
function isEmergencyCall(
  context: ServerContext,
  transaction: ServerTransaction,
  info: McpttInfo,
): boolean {
  const emergency = info.emergency === true;
  if (!emergency && transaction.request.getHeader('Resource-Priority') !== undefined) {
    context.logger.warn(
      { callId: transaction.request.callId },
      'Resource-Priority without emergency-ind ignored',
    );
  }
  return emergency;
}

/**
 * Ends an ordinary call for an emergency call of its group without waiting for its legs. The call
 * leaves the store at once. A leg that never responds to its BYE must not delay the emergency
 * call, because the emergency caller's proxy would time out its INVITE meanwhile.
 */
function preemptCall(context: ServerContext, call: Call): void {
  endCall(context, call, 'preempted by emergency call').catch((error: unknown) => {
    context.logger.error({ call: call.id, err: error }, 'ending the pre-empted call failed');
  });
}

async function startPrivateCall(
  context: ServerContext,
  transaction: ServerTransaction,
  opened: OpenedRequest,
  info: McpttInfo,
  { media, signal }: { readonly media: MediaLeg; readonly signal: AbortSignal },
): Promise<void> {
  const lists = partText(opened.parts, MEDIA_TYPES.resourceLists);
  const callee =
    info.calledPartyId ?? (lists === undefined ? undefined : parseResourceListUris(lists)[0]);
  if (callee === undefined || context.registry.user(callee) === undefined) {
    reject(context, transaction, 404, 'unknown called party');
    return;
  }
  if (addressOfRecord(callee) === opened.sender) {
    // Otherwise the server would invite the caller's own registration and relay the outcome.
    rejectWithPhrase(context, transaction, 403, 'Called Party Is The Caller');
    return;
  }
  if (!context.registry.isAuthorised(callee)) {
    reject(context, transaction, 480, 'called party not authorised');
    return;
  }

  const call = newCall(context, 'private', undefined, opened.sender, false);
  context.calls.add(call);
  const outcome = await inviteUser(
    context,
    call,
    addressOfRecord(callee),
    {
      sessionType: 'private',
      callingUserId: opened.sender,
      calledPartyId: addressOfRecord(callee),
    },
    {
      onRinging: () =>
        transaction.respond(createResponse(transaction.request, 180, { toTag: call.id })),
      signal,
      answerMode: answerModeOf(context, opened),
    },
  );
  if (outcome.leg === undefined) {
    context.calls.remove(call);
    if (!signal.aborted) {
      reject(context, transaction, callerStatus(outcome.status), 'called party did not answer');
    }
    return;
  }

  const callerLeg = await answerCaller(
    context,
    transaction,
    opened,
    call,
    media,
    { sessionType: 'private', calledPartyId: addressOfRecord(callee) },
    false,
  );
  if (callerLeg === undefined) {
    // The caller cancelled while the called party answered, or cannot be answered.
    await endCall(context, call, 'caller left');
  }
}

/**
 * Returns the commencement mode that the caller signed. The Answer-Mode header field crosses the
 * SIP core in clear, so one without a signed copy counts as `Manual`, and the server relays that.
 * The core library has already rejected a header field that differs from its copy, and
 * openRequest a signature older than `MAX_SIGNATURE_AGE_MS`, which the server would otherwise
 * sign afresh.
 */
function answerModeOf(context: ServerContext, opened: OpenedRequest): 'Auto' | 'Manual' {
  const signed = protectedHeaderValues(opened.security, 'Answer-Mode')[0];
  if (signed !== undefined) return isAuto(signed) ? 'Auto' : 'Manual';
  if (isAuto(opened.message.getHeader('Answer-Mode'))) {
    context.logger.warn(
      { callId: opened.message.callId },
      'Answer-Mode Auto without a signed copy taken as Manual',
    );
  }
  return 'Manual';
}

/** Tells whether an Answer-Mode value is Auto, with or without parameters such as `require`. */
function isAuto(value: string | undefined): boolean {
  return value?.split(';', 1)[0]?.trim().toLowerCase() === 'auto';
}

/**
 * Returns the status for the caller of a private call whose called party's leg failed. A 5xx from
 * that leg is a failure of the called party or the core, not of the server, so it becomes 480
 * Temporarily Unavailable. A 4xx or 6xx passes unchanged.
 */
function callerStatus(calleeStatus: number): number {
  return calleeStatus >= 500 && calleeStatus < 600 ? 480 : calleeStatus;
}

/** Rejects a request with a status and a reason phrase that names the problem, and logs it. */
function rejectWithPhrase(
  context: ServerContext,
  transaction: ServerTransaction,
  status: number,
  phrase: string,
): void {
  const request = transaction.request;
  context.logger.warn(
    { callId: request.callId, method: request.method, status, reason: phrase },
    'request rejected',
  );
  transaction.respond(
    createResponse(request, status, { toTag: randomToken(), reasonPhrase: phrase }),
  );
}

/**
 * Answers the caller with a 200 OK protected for the caller, with the SDP answer of the caller's
 * media leg and `info`, and adds the leg and its media to the call. `asksEmergency` gives the
 * caller the floor priority of an emergency participant while the call is an emergency call.
 * Returns undefined without answering when the caller's certificate is unknown or the INVITE was
 * cancelled meanwhile.
 */
async function answerCaller(
  context: ServerContext,
  transaction: ServerTransaction,
  opened: OpenedRequest,
  call: Call,
  media: MediaLeg,
  info: McpttInfo,
  asksEmergency: boolean,
): Promise<CallLeg | undefined> {
  const certificate = context.registry.certificate(opened.sender);
  if (certificate === undefined || transaction.completed) {
    return undefined;
  }

  const request = transaction.request;
  const toTag = call.kind === 'private' ? call.id : randomToken();
  const response = createResponse(request, 200, { toTag, headers: dialogHeaders(context) });
  const answer = (answerInfo: McpttInfo) => {
    const parts = [
      textPart(MEDIA_TYPES.sdp, media.localSdp),
      textPart(MEDIA_TYPES.mcpttInfo, buildMcpttInfo(answerInfo)),
    ];
    return protectResponse(context, response, parts, certificate);
  };
  let answered = info;
  let protectedResponse = await answer(answered);
  // Another participant may end or start the emergency during the protection. The caller's leg is
  // not in the call yet, so no UPDATE about it reaches the caller, and the 200 OK is protected
  // again with the current state.
  while ((answered.emergency === true) !== call.emergency) {
    answered = withEmergency(info, call.emergency);
    protectedResponse = await answer(answered);
  }
  if (transaction.completed) {
    return undefined;
  }

  const leg: CallLeg = {
    uri: opened.sender,
    callId: request.callId,
    fromParticipant: true,
    dialog: createUasDialog(request, toTag),
  };
  if (!context.calls.all().includes(call)) {
    // The call ended while this caller was answered, such as pre-empted by an emergency call.
    reject(context, transaction, 480, 'call ended before the caller was answered');
    return undefined;
  }
  context.calls.addLeg(call, leg);
  call.media.add(leg.callId, leg.uri, media);
  call.floor.attach(leg.uri, media.negotiatedFloorChannel, asksEmergency && call.emergency);
  if (hasImplicitFloorRequest(partText(opened.parts, MEDIA_TYPES.mcpttInfo))) {
    call.floor.implicitRequest(leg.uri);
  }
  transaction.respond(protectedResponse);
  return leg;
}

/**
 * Returns the media leg that answers the INVITE's SDP offer. When werift cannot apply the offer,
 * rejects the INVITE with 488 Not Acceptable Here and returns undefined.
 */
async function answerOffer(
  context: ServerContext,
  transaction: ServerTransaction,
  opened: OpenedRequest,
): Promise<MediaLeg | undefined> {
  try {
    return await MediaLeg.answer(partText(opened.parts, MEDIA_TYPES.sdp) ?? '', context.logger);
  } catch (error) {
    context.logger.debug({ err: error }, 'SDP offer not applied');
    reject(context, transaction, 488, 'SDP offer not acceptable');
    return undefined;
  }
}

function newCall(
  context: ServerContext,
  kind: CallKind,
  groupId: string | undefined,
  originator: string,
  emergency: boolean,
): Call {
  const call: Call = {
    id: randomToken(),
    kind,
    groupId,
    originator,
    emergency,
    emergencyCaller: emergency ? originator : undefined,
    legs: new Map(),
    inviting: new Set(),
    // The floor holder is the talker, read on every packet, so nothing else can set it.
    media: new MediaRelay(
      () => call.floor.holder(),
      (callId) => endFailedLeg(context, call, callId),
    ),
    floor: new CallFloor({ logger: context.logger, ...context.config.floor }),
  };
  return call;
}

/**
 * Handles a BYE from a participant inside its dialog. A BYE with the right Call-ID but other tags
 * gets 481. A private call, a prearranged call left by its originator, and a call with one
 * participant left end for everyone.
 */
export async function handleBye(
  context: ServerContext,
  transaction: ServerTransaction,
): Promise<void> {
  // RFC 3261 §12.2.2: a BYE whose Call-ID and tags match no dialog gets 481.
  const found = findDialogLeg(context, transaction);
  if (found === undefined) {
    return;
  }
  const { call, leg } = found;
  const callId = transaction.request.callId;
  context.calls.removeLeg(callId);
  leaveFloor(call, leg);
  transaction.respond(createResponse(transaction.request, 200, { toTag: randomToken() }));
  await call.media.remove(callId);
  await endCallIfOver(context, call);
}

/**
 * Ends the leg whose media connection failed, as if its participant had left: the server sends
 * it a BYE, in case its participant is still connected to the SIP core, and ends the call when
 * that leaving ends it. Runs in the background.
 */
function endFailedLeg(context: ServerContext, call: Call, callId: string): void {
  const leg = call.legs.get(callId);
  if (leg === undefined) return;
  context.logger.warn({ call: call.id, callId }, 'media connection failed, leg ended');
  dropLeg(context, call, leg, 'media connection failed').catch((error: unknown) => {
    context.logger.warn({ call: call.id, callId, err: error }, 'failed leg not ended');
  });
}

/**
 * Returns the kind of call that a `session-type` requests, or undefined for a type that the server
 * does not serve, known or not, and for a missing one.
 */
function callKind(sessionType: string | undefined): CallKind | undefined {
  return sessionType === 'private' || sessionType === 'prearranged' || sessionType === 'chat'
    ? sessionType
    : undefined;
}
