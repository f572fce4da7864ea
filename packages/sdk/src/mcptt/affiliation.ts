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
 * @module
 */
import { MimeParseError } from '@mcptt-smime/smime';
import { MCPTT_PRES_INFO_NAMESPACE, PIDF_NAMESPACE } from './media-types.js';
import {
  childrenNamed,
  escapeXml,
  isElement,
  parseXml,
  singleChild,
  XML_DECLARATION,
  type XmlElement,
} from './xml.js';

/** One group in an affiliation body. */
export interface GroupAffiliation {
  readonly group: string;
  /** Status written by the server in a NOTIFY, such as `affiliated` or `deaffiliating`. */
  readonly status?: string;
  /** Expiry written by the server, as the text of the `expires` attribute. */
  readonly expires?: string;
}

/** The affiliation status of one MCPTT client. */
export interface AffiliationInfo {
  /** MCPTT ID of the user (the pidf `entity`). */
  readonly mcpttId: string;
  /** MCPTT client ID (the tuple `id` and `p-id`). */
  readonly clientId: string;
  readonly groups: readonly GroupAffiliation[];
}

/** Serialises the affiliation request of a client; an empty group list de-affiliates from all. */
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
    if (group === undefined) throw new MimeParseError('pidf affiliation group missing');
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

/**
 * Parses the first tuple of an affiliation body, with its groups at this path:
 * `presence/tuple/status/affiliation`. The first three are in the PIDF namespace, and
 * `affiliation` and `p-id` in the MCPTT presence namespace. Elements of other namespaces are
 * skipped with their content. Raises MimeParseError when the XML is malformed, the root is not
 * `presence`, the tuple is missing or an affiliation has no group.
 */
export function parseAffiliation(xml: string): AffiliationInfo {
  const root = parseXml(xml);
  if (!isElement(root, PIDF_NAMESPACE, 'presence')) {
    throw new MimeParseError('pidf root element is not presence');
  }
  const tuple = childrenNamed(root, PIDF_NAMESPACE, 'tuple')[0];
  if (tuple === undefined) throw new MimeParseError('pidf tuple missing');

  const pid = singleChild(tuple, MCPTT_PRES_INFO_NAMESPACE, 'p-id');
  return {
    mcpttId: root.attributes.get('entity') ?? '',
    clientId: pid?.text ?? tuple.attributes.get('id') ?? '',
    groups: readGroups(singleChild(tuple, PIDF_NAMESPACE, 'status')),
  };
}
