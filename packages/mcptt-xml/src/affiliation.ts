/**
 * The `application/pidf+xml` body that carries MCPTT group affiliations in a PUBLISH or NOTIFY
 * (RFC 3863, with the `urn:3gpp:ns:mcpttPresInfo:1.0` extension of 3GPP TS 24.379 §9.2).
 *
 * ```xml
 * <presence xmlns="urn:ietf:params:xml:ns:pidf"
 *     xmlns:mcpttPI10="urn:3gpp:ns:mcpttPresInfo:1.0" entity="sip:mcptt-id@example">
 *   <tuple id="client-id">
 *     <status><mcpttPI10:affiliation group="sip:group@example"/></status>
 *     <mcpttPI10:p-id>client-id</mcpttPI10:p-id>
 *   </tuple>
 * </presence>
 * ```
 *
 * A client's PUBLISH has one tuple, for its own client ID. A server's NOTIFY has one for each
 * client of the user, so the reader returns every tuple.
 *
 * @module
 */
import { parseRoot, XML_DECLARATION } from './mcptt-document.js';
import { MCPTT_PRES_INFO_NAMESPACE, PIDF_NAMESPACE } from './mcptt-namespaces.js';
import {
  childrenNamed,
  escapeXml,
  singleChild,
  type XmlElement,
  type XmlSizeLimit,
} from './xml-reader.js';
import { raiseXmlError } from './xml-syntax-error.js';

/** One group in an affiliation body. */
export interface GroupAffiliation {
  /** The group's URI, the `group` attribute. */
  readonly group: string;
  /** Status written by the server in a NOTIFY, such as `affiliated` or `deaffiliating`. */
  readonly status?: string;
  /** Expiry written by the server, as the text of the `expires` attribute. */
  readonly expires?: string;
}

/** The affiliation status of one MCPTT client: one tuple of the pidf. */
export interface AffiliationInfo {
  /** MCPTT ID of the user (the pidf `entity`). */
  readonly mcpttId: string;
  /** MCPTT client ID (the tuple `id` and `p-id`). */
  readonly clientId: string;
  /** The groups of the tuple's `status`, in document order. */
  readonly groups: readonly GroupAffiliation[];
}

/**
 * Writes the affiliation request of a client, with CRLF line ends; an empty group list
 * de-affiliates from all. Raises TypeError when a value has a character that XML 1.0 does not
 * allow.
 *
 * @param info - The client's MCPTT ID, client ID and groups.
 * @returns The pidf document, with its XML declaration.
 */
export function buildAffiliation(info: AffiliationInfo): string {
  const groups = info.groups.map(
    (g) => `      <mcpttPI10:affiliation group="${escapeXml(g.group)}"/>`,
  );
  const clientId = escapeXml(info.clientId);
  return [
    XML_DECLARATION,
    `<presence xmlns="${PIDF_NAMESPACE}" xmlns:mcpttPI10="${MCPTT_PRES_INFO_NAMESPACE}" entity="${escapeXml(info.mcpttId)}">`,
    `  <tuple id="${clientId}">`,
    '    <status>',
    ...groups,
    '    </status>',
    `    <mcpttPI10:p-id>${clientId}</mcpttPI10:p-id>`,
    '  </tuple>',
    '</presence>',
    '',
  ].join('\r\n');
}

function readGroups(status: XmlElement | undefined): GroupAffiliation[] {
  const groups: GroupAffiliation[] = [];
  for (const child of childrenNamed(status, MCPTT_PRES_INFO_NAMESPACE, 'affiliation')) {
    const group = child.attributes.get('group');
    if (group === undefined) raiseXmlError('pidf affiliation group missing');
    const state = child.attributes.get('status');
    const expires = child.attributes.get('expires');
    groups.push({
      group,
      ...(state === undefined ? {} : { status: state }),
      ...(expires === undefined ? {} : { expires }),
    });
  }
  return groups;
}

function readTuple(mcpttId: string, tuple: XmlElement): AffiliationInfo {
  const pid = singleChild(tuple, MCPTT_PRES_INFO_NAMESPACE, 'p-id');
  return {
    mcpttId,
    clientId: pid?.text ?? tuple.attributes.get('id') ?? '',
    groups: readGroups(singleChild(tuple, PIDF_NAMESPACE, 'status')),
  };
}

/**
 * Reads every tuple of an affiliation body, in document order, with its groups at this path:
 * `presence/tuple/status/affiliation`. The first three are in the PIDF namespace, and
 * `affiliation` and `p-id` in the MCPTT presence namespace. The client ID is the text of `p-id`,
 * or the tuple's `id` without one. Elements of other namespaces are skipped with their content.
 * Raises `XmlSyntaxError` with the reasons of {@link parseXml} for a body that is past `limit` or
 * not well-formed, and a `malformed` one when the root is not `presence` in the PIDF namespace,
 * there is no tuple, a tuple has two `status` or two `p-id` elements, or an affiliation has no
 * `group`.
 *
 * @param xml - The body, decoded as text.
 * @param limit - Size limit of the body.
 * @returns One entry per tuple, at least one.
 */
export function parseAffiliationTuples(xml: string, limit: XmlSizeLimit): AffiliationInfo[] {
  const root = parseRoot(xml, limit, {
    namespace: PIDF_NAMESPACE,
    name: 'presence',
    label: 'pidf',
  });
  const mcpttId = root.attributes.get('entity') ?? '';
  const tuples = childrenNamed(root, PIDF_NAMESPACE, 'tuple').map((t) => readTuple(mcpttId, t));
  if (tuples.length === 0) raiseXmlError('pidf tuple missing');
  return tuples;
}

/**
 * Reads an affiliation body as {@link parseAffiliationTuples} does, with its checks of every
 * tuple, and returns the first tuple, the one that a client's PUBLISH has.
 *
 * @param xml - The body, decoded as text.
 * @param limit - Size limit of the body.
 * @returns The first tuple.
 * @throws `XmlSyntaxError` as {@link parseAffiliationTuples} does.
 */
export function parseAffiliation(xml: string, limit: XmlSizeLimit): AffiliationInfo {
  const [first] = parseAffiliationTuples(xml, limit);
  // parseAffiliationTuples raises for a body without tuple.
  return first as AffiliationInfo;
}

/**
 * Returns the groups of every tuple in document order, without those whose `status` is
 * `deaffiliating`. These are the groups that a PUBLISH requests affiliation to, and an empty list
 * requests affiliation to none.
 *
 * @param tuples - Tuples read by {@link parseAffiliationTuples}.
 * @returns The group IDs, possibly with repeats when two tuples name a group.
 */
export function affiliatedGroups(tuples: readonly AffiliationInfo[]): string[] {
  return tuples.flatMap((tuple) =>
    tuple.groups.filter((g) => g.status !== 'deaffiliating').map((g) => g.group),
  );
}
