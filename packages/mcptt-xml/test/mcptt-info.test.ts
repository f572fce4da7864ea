import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  buildMcpttInfo,
  MCPTT_INFO_NAMESPACE,
  MCPTT_SESSION_TYPES,
  parseMcpttInfo as readMcpttInfo,
  parseResourceLists as readResourceLists,
  parseXml,
  type McpttInfo,
} from '../src/index.js';
import {
  elementValue,
  expectInvalid,
  info,
  infoWith,
  LIMIT,
  listOf,
  OTHER,
  requestUri,
} from './helpers/bodies.js';

const parseMcpttInfo = (xml: string) => readMcpttInfo(xml, LIMIT);

const callingUserIdOf = (content: string) =>
  parseMcpttInfo(infoWith('mcptt-calling-user-id', content)).callingUserId;

describe('buildMcpttInfo', () => {
  it('writes elements in schema order', () => {
    const xml = buildMcpttInfo({
      clientId: 'urn:uuid:1',
      alert: false,
      emergency: true,
      requestUri: 'sip:group@example.test',
      sessionType: 'prearranged',
      accessToken: 'token',
    });
    const names = parseXml(xml, LIMIT).children[0]?.children.map((c) => c.name);

    expect(names).toEqual([
      'mcptt-access-token',
      'session-type',
      'mcptt-request-uri',
      'emergency-ind',
      'alert-ind',
      'mcptt-client-id',
    ]);
  });

  it('writes every field so that it reads back the same', () => {
    const written = {
      accessToken: 'a<b&c',
      sessionType: 'private',
      requestUri: 'sip:r@x',
      callingUserId: 'sip:u@x',
      calledPartyId: 'sip:bob@mcptt.example;x="<a&b>"',
      callingGroupId: 'sip:g@x',
      required: true,
      emergency: false,
      alert: true,
      imminentPeril: true,
      broadcast: false,
      mcOrg: 'org',
      floorState: 'no-request',
      associatedGroupId: 'sip:a@x',
      originatedBy: 'sip:o@x',
      clientId: "alice's phone",
    } as const;

    expect(parseMcpttInfo(buildMcpttInfo(written))).toEqual(written);
  });

  it('writes any value so that it reads back the same', () => {
    const written: fc.Arbitrary<McpttInfo> = fc.record(
      {
        accessToken: elementValue,
        sessionType: fc.constantFrom(...MCPTT_SESSION_TYPES),
        requestUri: elementValue,
        callingUserId: elementValue,
        calledPartyId: elementValue,
        callingGroupId: elementValue,
        required: fc.boolean(),
        emergency: fc.boolean(),
        alert: fc.boolean(),
        imminentPeril: fc.boolean(),
        broadcast: fc.boolean(),
        mcOrg: elementValue,
        floorState: elementValue,
        associatedGroupId: elementValue,
        originatedBy: elementValue,
        clientId: elementValue,
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(written, (value) => {
        expect(parseMcpttInfo(buildMcpttInfo(value))).toEqual(value);
      }),
      { numRuns: 500 },
    );
  });

  it('rejects text that XML cannot carry', () => {
    expect(() => buildMcpttInfo({ clientId: 'a\u0000b' })).toThrow(TypeError);
  });
});

describe('parseMcpttInfo reads what real clients send', () => {
  it('reads prefixed, unordered, unwrapped elements', () => {
    const xml = [
      '<?xml version="1.0"?>',
      '<m:mcpttinfo xmlns:m="urn:3gpp:ns:mcpttInfo:1.0"><m:mcptt-Params>',
      '<m:mcptt-calling-group-id type="Normal"> sip:fire-1@mcptt.example </m:mcptt-calling-group-id>',
      '<m:emergency-ind type="Normal"><m:mcpttBoolean>false</m:mcpttBoolean></m:emergency-ind>',
      '<m:unknown>x</m:unknown>',
      '<m:session-type>chat</m:session-type>',
      '</m:mcptt-Params></m:mcpttinfo>',
    ].join('\r\n');

    expect(parseMcpttInfo(xml)).toEqual({
      sessionType: 'chat',
      callingGroupId: 'sip:fire-1@mcptt.example',
      emergency: false,
    });
  });

  it('skips comments and CDATA, and reads empty elements', () => {
    const xml = info(
      '<!-- <session-type>private</session-type> -->' +
        '<![CDATA[<mcptt-client-id>cdata</mcptt-client-id>]]>' +
        '<mcptt-request-uri/>' +
        '<session-type>prearranged</session-type>',
    );

    expect(parseMcpttInfo(xml)).toEqual({ sessionType: 'prearranged', requestUri: '' });
  });

  it.each(MCPTT_SESSION_TYPES)('reads the session-type %s', (sessionType) => {
    expect(parseMcpttInfo(infoWith('session-type', sessionType))).toEqual({ sessionType });
  });

  it.each(['x', 'Private', 'ad-hoc', ''])('keeps the unknown session-type %j', (sessionType) => {
    expect(parseMcpttInfo(infoWith('session-type', sessionType))).toEqual({ sessionType });
  });

  it.each([
    ['an empty part', '', 'no root element'],
    ['text', 'not xml at all < > " \'', 'text outside the root element'],
    ['a root without namespace', '<mcpttinfo><mcptt-Params/></mcpttinfo>', 'not mcpttinfo'],
    ['an empty root without namespace', '<mcpttinfo/>', 'root element is not mcpttinfo'],
  ])('rejects %s', (_case, xml, detail) => {
    expectInvalid(() => parseMcpttInfo(xml), detail);
  });
});

describe('parseMcpttInfo reads booleans as xs:boolean', () => {
  it.each([
    ['true', true],
    ['1', true],
    ['false', false],
    ['0', false],
    [' 1 ', true],
    ['\r\n\t0\t\r\n', false],
    ['<![CDATA[1]]>', true],
    ['&#49;', true],
  ])('reads %j', (text, value) => {
    expect(parseMcpttInfo(infoWith('emergency-ind', text))).toEqual({ emergency: value });
    expect(
      parseMcpttInfo(infoWith('emergency-ind', `<mcpttBoolean>${text}</mcpttBoolean>`)),
    ).toEqual({ emergency: value });
  });

  it.each(['TRUE', 'True', 'yes', '2', '', '1 0', '\u00a01'])('rejects %j', (text) => {
    const wrapped = `<mcpttBoolean>${text}</mcpttBoolean>`;

    expectInvalid(
      () => parseMcpttInfo(infoWith('emergency-ind', wrapped)),
      'mcptt-info emergency-ind is not a boolean',
    );
    expectInvalid(
      () => parseMcpttInfo(infoWith('required', text)),
      'mcptt-info required is not a boolean',
    );
  });

  it.each(['alert-ind', 'imminentperil-ind', 'broadcast-ind'])('checks %s too', (name) => {
    expectInvalid(() => parseMcpttInfo(infoWith(name, 'yes')), `${name} is not a boolean`);
  });
});

describe('parseMcpttInfo reads only its schema path', () => {
  it('reads the default and prefixed forms alike', () => {
    const prefixed =
      `<m:mcpttinfo xmlns:m="${MCPTT_INFO_NAMESPACE}"><m:mcptt-Params>` +
      '<m:mcptt-request-uri><m:mcpttURI>sip:g@x</m:mcpttURI></m:mcptt-request-uri>' +
      '</m:mcptt-Params></m:mcpttinfo>';

    expect(parseMcpttInfo(info(requestUri('sip:g@x')))).toEqual({ requestUri: 'sip:g@x' });
    expect(parseMcpttInfo(prefixed)).toEqual({ requestUri: 'sip:g@x' });
  });

  it('rejects a root in another namespace', () => {
    const foreign =
      `<foo:mcpttinfo xmlns:foo="${OTHER}"><foo:mcptt-Params>` +
      '<foo:mcptt-request-uri><foo:mcpttURI>sip:evil@x</foo:mcpttURI></foo:mcptt-request-uri>' +
      '</foo:mcptt-Params></foo:mcpttinfo>';

    expectInvalid(() => parseMcpttInfo(foreign), 'mcptt-info root element is not mcpttinfo');
  });

  it('ignores lookalike fields of another namespace', () => {
    const xml = info(
      `<o:mcptt-request-uri xmlns:o="${OTHER}"><o:mcpttURI>sip:evil@x</o:mcpttURI></o:mcptt-request-uri>` +
        `<session-type xmlns="${OTHER}">chat</session-type>` +
        '<emergency-ind xmlns=""><mcpttBoolean>true</mcpttBoolean></emergency-ind>' +
        '<alert-ind xmlns="">true</alert-ind>' +
        `<m:floor-state xmlns:m="${OTHER}">no-request</m:floor-state>`,
    );

    expect(parseMcpttInfo(xml)).toEqual({});
  });

  it('ignores a prefix rebound to another namespace', () => {
    const xml =
      `<m:mcpttinfo xmlns:m="${MCPTT_INFO_NAMESPACE}"><m:mcptt-Params>` +
      `<m:session-type xmlns:m="${OTHER}">chat</m:session-type>` +
      '<m:alert-ind>true</m:alert-ind><m:emergency-ind>1</m:emergency-ind>' +
      '</m:mcptt-Params></m:mcpttinfo>';

    expect(parseMcpttInfo(xml)).toEqual({ alert: true, emergency: true });
  });

  it('ignores mcptt-Params of another namespace', () => {
    const xml =
      `<mcpttinfo xmlns="${MCPTT_INFO_NAMESPACE}">` +
      `<mcptt-Params xmlns="${OTHER}">${requestUri('sip:evil@x')}</mcptt-Params></mcpttinfo>`;

    expect(parseMcpttInfo(xml)).toEqual({});
  });

  it('skips fields nested in extension elements', () => {
    const xml = info(
      `<ext xmlns="${OTHER}"><mcptt-request-uri xmlns="${MCPTT_INFO_NAMESPACE}">` +
        '<mcpttURI>sip:evil@x</mcpttURI></mcptt-request-uri></ext>' +
        `<anyExt>${requestUri('sip:evil@x')}</anyExt>` +
        requestUri('sip:good@x'),
    );
    const outside =
      `<mcpttinfo xmlns="${MCPTT_INFO_NAMESPACE}"><anyExt>${requestUri('sip:evil@x')}</anyExt>` +
      `<mcptt-Params>${requestUri('sip:good@x')}</mcptt-Params></mcpttinfo>`;

    expect(parseMcpttInfo(xml)).toEqual({ requestUri: 'sip:good@x' });
    expect(parseMcpttInfo(outside)).toEqual({ requestUri: 'sip:good@x' });
  });

  it('reads a value beside a nested namesake', () => {
    const xml = info(
      '<mcptt-calling-user-id>' +
        '<mcptt-calling-user-id>sip:inner@x</mcptt-calling-user-id>sip:outer@x' +
        '</mcptt-calling-user-id>',
    );

    expect(parseMcpttInfo(xml)).toEqual({ callingUserId: 'sip:outer@x' });
  });

  it('ignores a value wrapper of another namespace', () => {
    const xml = info(
      `<mcptt-calling-user-id><o:mcpttURI xmlns:o="${OTHER}">sip:evil@x</o:mcpttURI>` +
        '</mcptt-calling-user-id>',
    );

    expect(parseMcpttInfo(xml)).toEqual({ callingUserId: '' });
  });

  it('leaves text of other children out of a value', () => {
    const xml = info(
      `<mcptt-calling-user-id><other>sip:a@x</other></mcptt-calling-user-id>` +
        '<mcptt-request-uri type="Normal"><empty/></mcptt-request-uri>' +
        `<mcptt-client-id><x xmlns="${OTHER}">evil</x>client-1</mcptt-client-id>`,
    );

    expect(parseMcpttInfo(xml)).toEqual({
      callingUserId: '',
      requestUri: '',
      clientId: 'client-1',
    });
  });
});

describe('parseMcpttInfo rejects what the schema allows once, given twice', () => {
  it.each([
    ['a field', info(requestUri('sip:a@x') + requestUri('sip:b@x')), 'mcptt-request-uri element'],
    [
      'a field that the server did not use to read',
      info('<mc-org>a</mc-org><mc-org>b</mc-org>'),
      'mc-org element repeated',
    ],
    [
      'mcptt-Params',
      `<mcpttinfo xmlns="${MCPTT_INFO_NAMESPACE}"><mcptt-Params/><mcptt-Params/></mcpttinfo>`,
      'mcptt-Params element repeated',
    ],
    [
      'a value wrapper',
      infoWith('mcptt-request-uri', '<mcpttURI>sip:a@x</mcpttURI><mcpttString>b</mcpttString>'),
      'mcptt-request-uri has more than one value',
    ],
  ])('%s', (_case, xml, detail) => {
    expectInvalid(() => parseMcpttInfo(xml), detail);
  });
});

describe('parseMcpttInfo reads values as XML writes them', () => {
  it('reads CDATA as its text', () => {
    expect(callingUserIdOf('<mcpttURI><![CDATA[sip:b@x]]></mcpttURI>')).toBe('sip:b@x');
    expect(callingUserIdOf(' <![CDATA[sip:b@x]]> ')).toBe('sip:b@x');
    expect(callingUserIdOf('<mcpttURI>sip:<![CDATA[b]]>@<![CDATA[]]>x</mcpttURI>')).toBe('sip:b@x');
    // Inside a CDATA section, markup and references are text.
    expect(callingUserIdOf('<![CDATA[sip:b@x;p="<a>&#64;&amp;"]]>')).toBe(
      'sip:b@x;p="<a>&#64;&amp;"',
    );
  });

  it('decodes references in element values', () => {
    expect(callingUserIdOf('<mcpttURI>sip:b&#64;x</mcpttURI>')).toBe('sip:b@x');
    expect(callingUserIdOf('sip:b&#x40;x')).toBe('sip:b@x');
    expect(callingUserIdOf('&lt;&gt;&amp;&quot;&apos;')).toBe(`<>&"'`);
    expect(callingUserIdOf('&amp;#64;&amp;lt;')).toBe('&#64;&lt;');
    expect(callingUserIdOf('&#x1F692;&#128658;&#x00000041;&#0065;')).toBe('🚒🚒AA');
    expect(parseMcpttInfo(infoWith('session-type', 'pr&#105;vate')).sessionType).toBe('private');
  });

  // XML 1.0 §4.1 makes a reference to a code point that is not an XML character a
  // well-formedness error, as it is for text and attribute values alike.
  it.each(['&#0;', '&#x0;', '&#xD800;', '&#xDFFF;', '&#xFFFE;', '&#x110000;', '&#1114112;'])(
    'rejects the reference %s',
    (reference) => {
      const detail = 'code point XML does not allow';

      expectInvalid(() => parseMcpttInfo(infoWith('mcptt-client-id', `b${reference}`)), detail);
      expectInvalid(() => readResourceLists(listOf(`<entry uri="b${reference}"/>`), LIMIT), detail);
    },
  );

  it('rejects a huge reference', () => {
    const detail = 'code point XML does not allow';

    expectInvalid(
      () => parseMcpttInfo(infoWith('mcptt-client-id', `&#${'9'.repeat(400)};`)),
      detail,
    );
    expectInvalid(
      () => parseMcpttInfo(infoWith('mcptt-client-id', `&#x${'F'.repeat(400)};`)),
      detail,
    );
  });

  it.each([
    ['&', 'undeclared or malformed entity'],
    ['&;', 'undeclared or malformed entity'],
    ['&#;', 'malformed character reference'],
    ['&#x;', 'malformed character reference'],
    ['&#64', 'malformed character reference'],
    ['&#x4G;', 'malformed character reference'],
    ['&#X40;', 'malformed character reference'],
    ['&nbsp;', 'undeclared or malformed entity'],
    ['&constructor;', 'undeclared or malformed entity'],
    ['&AMP;', 'undeclared or malformed entity'],
  ])('rejects the non-reference %j', (text, detail) => {
    expectInvalid(() => parseMcpttInfo(infoWith('mcptt-client-id', `b${text}x`)), detail);
    expectInvalid(() => readResourceLists(listOf(`<entry uri="b${text}x"/>`), LIMIT), detail);
  });

  it('drops comments and processing instructions', () => {
    expect(callingUserIdOf('sip:a<!-- x -->@b')).toBe('sip:a@b');
    expect(callingUserIdOf('<mcpttURI>sip:a<!-- <b> - --><?pi x?>@b<!---->\n</mcpttURI>')).toBe(
      'sip:a@b',
    );
    expect(callingUserIdOf('<!-- <mcpttURI>sip:c@d</mcpttURI> -->sip:a@b')).toBe('sip:a@b');
    expect(parseMcpttInfo(infoWith('emergency-ind', '<!-- no -->1<!-- yes -->'))).toEqual({
      emergency: true,
    });
  });
});
