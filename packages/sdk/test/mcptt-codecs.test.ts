import { describe, expect, it } from 'vitest';
import { MimeParseError } from '@mcptt-smime/smime';
import { corporaAvailable, readCorpusText } from '../../smime/test/corpora.js';
import { buildAffiliation, parseAffiliation } from '../src/mcptt/affiliation.js';
import { buildLocationInfo, parseLocationInfo } from '../src/mcptt/location-info.js';
import { buildMcpttInfo, parseMcpttInfo } from '../src/mcptt/mcptt-info.js';
import { buildResourceLists, parseResourceLists } from '../src/mcptt/resource-lists.js';
import { parseXml } from '../src/mcptt/xml.js';

/** Returns the body of the part with this Content-Type in a corpus message. */
function corpusPart(file: string, contentType: string): string {
  const text = readCorpusText(`mcptt/${file}`);
  const start = text.indexOf(`Content-Type: ${contentType}`);
  const body = text.indexOf('\r\n\r\n', start) + 4;
  const end = text.indexOf('\r\n--', body);
  return text.slice(body, end);
}

function expectParseError(action: () => unknown): void {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(MimeParseError);
    expect((error as MimeParseError).code).toBe('ERR_MIME_MALFORMED');
    expect((error as MimeParseError).sipStatus).toBe(400);
    return;
  }
  expect.fail('no error raised');
}

describe('parseXml', () => {
  it('resolves prefixed namespaces', () => {
    const root = parseXml('<a xmlns="urn:x" xmlns:p="urn:p"><p:b c="1"/></a>');

    expect(root.namespace).toBe('urn:x');
    expect(root.children[0]?.namespace).toBe('urn:p');
    expect(root.children[0]?.attributes.get('c')).toBe('1');
  });

  it('decodes entities and CDATA', () => {
    const root = parseXml('<a>&lt;&#x41;&#66;<![CDATA[<c>]]></a>');

    expect(root.text).toBe('<AB<c>');
  });

  it.each([
    ['a DOCTYPE', '<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>'],
    ['a mismatched tag', '<a></b>'],
    ['an unclosed element', '<a><b></b>'],
    ['two roots', '<a/><b/>'],
    ['an undeclared prefix', '<p:a/>'],
    ['an unknown entity', '<a>&nbsp;</a>'],
    ['an entity named like an Object member', '<a>&constructor;</a>'],
    ['a character reference out of range', '<a>&#x110000;</a>'],
    ['deep nesting', '<a>'.repeat(20) + '</a>'.repeat(20)],
  ])('rejects %s', (_name, xml) => {
    expectParseError(() => parseXml(xml));
  });
});

describe('mcptt-info', () => {
  it('writes elements in schema order', () => {
    const xml = buildMcpttInfo({
      clientId: 'urn:uuid:1',
      alert: false,
      emergency: true,
      requestUri: 'sip:group@example.test',
      sessionType: 'prearranged',
      accessToken: 'token',
    });
    const names = parseXml(xml).children[0]?.children.map((c) => c.name);

    expect(names).toEqual([
      'mcptt-access-token',
      'session-type',
      'mcptt-request-uri',
      'emergency-ind',
      'alert-ind',
      'mcptt-client-id',
    ]);
  });

  it('round-trips every field', () => {
    const info = {
      accessToken: 'a<b&c',
      sessionType: 'private',
      requestUri: 'sip:r@x',
      callingUserId: 'sip:u@x',
      calledPartyId: 'sip:c@x',
      callingGroupId: 'sip:g@x',
      required: true,
      emergency: false,
      alert: true,
      imminentPeril: true,
      broadcast: false,
      mcOrg: 'org',
      floorState: 'floor-taken',
      associatedGroupId: 'sip:a@x',
      originatedBy: 'sip:o@x',
      clientId: 'urn:uuid:2',
    } as const;

    expect(parseMcpttInfo(buildMcpttInfo(info))).toEqual(info);
  });

  it('rejects an unknown session type', () => {
    const xml = buildMcpttInfo({}).replace(
      '<mcptt-Params>',
      '<mcptt-Params><session-type>x</session-type>',
    );

    expectParseError(() => parseMcpttInfo(xml));
  });

  it('rejects a foreign root', () => {
    expectParseError(() => parseMcpttInfo('<mcpttinfo/>'));
  });
});

describe.skipIf(!corporaAvailable)('mcptt-info corpus', () => {
  it('reads the REGISTER token and client ID', () => {
    const text = readCorpusText('mcptt/01-register-mcptt-info.sipp-derived.sip');
    const info = parseMcpttInfo(text.slice(text.indexOf('<?xml')));

    expect(info.accessToken).toMatch(/^eyJ/);
    expect(info.clientId).toBe('urn:uuid:00000000-0000-1000-8000-AABBCCDDEEFF');
  });

  it('reads out-of-order elements', () => {
    const xml = corpusPart(
      '03-invite-prearranged-group-call.mcop-derived.sip',
      'application/vnd.3gpp.mcptt-info+xml',
    );
    const info = parseMcpttInfo(xml);

    expect(info.sessionType).toBe('prearranged');
    expect(info.requestUri).toBe('sip:mcptt-group-A1@mcptt-op.example');
    expect(info.alert).toBe(false);
  });

  it('reads bare values', () => {
    const xml = corpusPart(
      '08-invite-server-to-member.vendor-doc-nonconformant.sip',
      'application/vnd.3gpp.mcptt-info+xml',
    );
    const info = parseMcpttInfo(xml);

    expect(info.requestUri).toBe('tel:+15550100001');
    expect(info.callingUserId).toBe('tel:+15550100101');
  });

  it('reads the emergency indication', () => {
    const xml = corpusPart(
      '06-invite-emergency-group-call.spec-synthesised.sip',
      'application/vnd.3gpp.mcptt-info+xml',
    );

    expect(parseMcpttInfo(xml).emergency).toBe(true);
  });

  it('reads the private call recipient', () => {
    const xml = corpusPart(
      '04-invite-private-call.mcop-derived.sip',
      'application/resource-lists+xml',
    );

    expect(parseResourceLists(xml)).toEqual(['sip:mcptt-id-B@mcptt-op.example']);
  });

  it('reads the affiliation PUBLISH', () => {
    const xml = corpusPart('05-publish-affiliation.mcop-derived.sip', 'application/pidf+xml');
    const info = parseAffiliation(xml);

    expect(info.mcpttId).toBe('sip:mcptt-id-A1@mcptt-op.example');
    expect(info.clientId).toBe('urn:uuid:9d2f5c3e-1b7a-4c2e-8f60-0a1b2c3d4e5f');
    expect(info.groups.map((g) => g.group)).toEqual([
      'sip:mcptt-group-A1@mcptt-op.example',
      'sip:mcptt-group-A2@mcptt-op.example',
    ]);
  });
});

describe('resource-lists', () => {
  it('round-trips the URIs', () => {
    const uris = ['sip:b@x', 'sip:c@x'];

    expect(parseResourceLists(buildResourceLists(uris))).toEqual(uris);
  });

  it('rejects an empty list', () => {
    expect(() => buildResourceLists([])).toThrow(TypeError);
  });
});

describe('location-info', () => {
  it('round-trips a report', () => {
    const report = {
      reportType: 'Emergency',
      triggerId: 't1',
      latitude: 48.1,
      longitude: -1.5,
    } as const;

    expect(parseLocationInfo(buildLocationInfo(report))).toEqual(report);
  });

  it('writes the TS 24.379 namespace', () => {
    const xml = buildLocationInfo({ reportType: 'NonEmergency', latitude: 1, longitude: 2 });

    expect(xml).toContain('<location-info xmlns="urn:3gpp:ns:mcpttLocationInfo:1.0">');
  });

  it('rejects a latitude out of range', () => {
    expect(() =>
      buildLocationInfo({ reportType: 'NonEmergency', latitude: 91, longitude: 0 }),
    ).toThrow(TypeError);
  });

  it.each([
    ['latitude', '123.5', '2'],
    ['longitude', '1', '-1000'],
  ])('rejects a received %s out of range', (_name, latitude, longitude) => {
    const xml = buildLocationInfo({ reportType: 'NonEmergency', latitude: 1, longitude: 2 })
      .replace('<latitude>1<', `<latitude>${latitude}<`)
      .replace('<longitude>2<', `<longitude>${longitude}<`);

    expectParseError(() => parseLocationInfo(xml));
  });

  it('rejects a missing coordinate', () => {
    const xml =
      '<location-info xmlns="urn:3gpp:ns:mcpttLocationInfo:1.0"><Report/></location-info>';

    expectParseError(() => parseLocationInfo(xml));
  });
});

describe('affiliation', () => {
  it('round-trips groups', () => {
    const info = { mcpttId: 'sip:a@x', clientId: 'urn:uuid:3', groups: [{ group: 'sip:g@x' }] };

    expect(parseAffiliation(buildAffiliation(info))).toEqual(info);
  });

  it('rejects an affiliation without group', () => {
    const xml = buildAffiliation({
      mcpttId: 'sip:a@x',
      clientId: 'c',
      groups: [{ group: 'g' }],
    }).replace(' group="g"', '');

    expectParseError(() => parseAffiliation(xml));
  });
});
