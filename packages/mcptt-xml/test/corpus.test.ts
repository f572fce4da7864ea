import { describe, expect, it } from 'vitest';
import { corporaAvailable, readCorpusText } from '../../smime/test/corpora.js';
import {
  affiliatedGroups,
  parseAffiliation,
  parseAffiliationTuples,
  parseMcpttInfo,
  parseResourceLists,
} from '../src/index.js';
import { LIMIT } from './helpers/bodies.js';

/** Returns the body of the part with this Content-Type in an MCPTT corpus message. */
function corpusPart(file: string, contentType: string): string {
  const text = readCorpusText(`mcptt/${file}`);
  const start = text.indexOf(`Content-Type: ${contentType}`);
  const body = text.indexOf('\r\n\r\n', start) + 4;
  const end = text.indexOf('\r\n--', body);
  return text.slice(body, end < 0 ? undefined : end);
}

const INFO_TYPE = 'application/vnd.3gpp.mcptt-info+xml';

describe.skipIf(!corporaAvailable)('MCPTT corpus messages', () => {
  it('reads the mcptt-info of each request and response', () => {
    const read = (file: string) => parseMcpttInfo(corpusPart(file, INFO_TYPE), LIMIT);

    expect(read('01-register-mcptt-info.sipp-derived.sip')).toEqual({
      accessToken: expect.stringMatching(/^eyJ/) as unknown,
      clientId: 'urn:uuid:00000000-0000-1000-8000-AABBCCDDEEFF',
    });
    expect(read('03-invite-prearranged-group-call.mcop-derived.sip')).toEqual({
      sessionType: 'prearranged',
      requestUri: 'sip:mcptt-group-A1@mcptt-op.example',
      alert: false,
      clientId: 'urn:uuid:9d2f5c3e-1b7a-4c2e-8f60-0a1b2c3d4e5f',
    });
    expect(read('06-invite-emergency-group-call.spec-synthesised.sip')).toMatchObject({
      requestUri: 'sip:mcptt-group-A1@mcptt-op.example',
      emergency: true,
    });
    expect(read('07-200ok-emergency-group-call.spec-synthesised.sip')).toEqual({
      callingGroupId: 'sip:mcptt-group-A1@mcptt-op.example',
      emergency: true,
    });
    expect(read('08-invite-server-to-member.vendor-doc-nonconformant.sip')).toEqual({
      sessionType: 'prearranged',
      requestUri: 'tel:+15550100001',
      callingUserId: 'tel:+15550100101',
      callingGroupId: 'tel:+15550100001',
    });
  });

  it('reads the private call recipient', () => {
    const xml = corpusPart(
      '04-invite-private-call.mcop-derived.sip',
      'application/resource-lists+xml',
    );

    expect(parseResourceLists(xml, LIMIT)).toEqual(['sip:mcptt-id-B@mcptt-op.example']);
  });

  it('reads the affiliation PUBLISH', () => {
    const xml = corpusPart('05-publish-affiliation.mcop-derived.sip', 'application/pidf+xml');
    const groups = ['sip:mcptt-group-A1@mcptt-op.example', 'sip:mcptt-group-A2@mcptt-op.example'];

    expect(parseAffiliation(xml, LIMIT)).toEqual({
      mcpttId: 'sip:mcptt-id-A1@mcptt-op.example',
      clientId: 'urn:uuid:9d2f5c3e-1b7a-4c2e-8f60-0a1b2c3d4e5f',
      groups: groups.map((group) => expect.objectContaining({ group }) as unknown),
    });
    expect(affiliatedGroups(parseAffiliationTuples(xml, LIMIT))).toEqual(groups);
  });
});
