import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  affiliatedGroups,
  buildAffiliation,
  escapeXml,
  MCPTT_PRES_INFO_NAMESPACE,
  parseAffiliation as readAffiliation,
  parseAffiliationTuples as readAffiliationTuples,
  PIDF_NAMESPACE,
} from '../src/index.js';
import {
  elementValue,
  expectInvalid,
  LIMIT,
  OTHER,
  pidf,
  pidfWith,
  xmlText,
} from './helpers/bodies.js';

const parseAffiliation = (xml: string) => readAffiliation(xml, LIMIT);
const parseAffiliationTuples = (xml: string) => readAffiliationTuples(xml, LIMIT);
const groupsOf = (xml: string) => affiliatedGroups(parseAffiliationTuples(xml));

describe('buildAffiliation', () => {
  it('writes groups so that they read back the same', () => {
    const written = { mcpttId: 'sip:a@x', clientId: 'urn:uuid:3', groups: [{ group: 'sip:g@x' }] };

    expect(parseAffiliation(buildAffiliation(written))).toEqual(written);
  });

  it('writes any value so that it reads back the same', () => {
    const values = fc.array(elementValue, { maxLength: 4 });
    fc.assert(
      fc.property(values, elementValue, elementValue, (uris, mcpttId, clientId) => {
        const groups = uris.map((group) => ({ group }));

        expect(parseAffiliation(buildAffiliation({ mcpttId, clientId, groups }))).toEqual({
          mcpttId,
          clientId,
          groups,
        });
      }),
      { numRuns: 300 },
    );
  });
});

describe('parseAffiliationTuples', () => {
  it('reads every tuple with its status and expiry', () => {
    const xml = [
      '<?xml version="1.0"?>',
      `<presence xmlns="${PIDF_NAMESPACE}" xmlns:p="${MCPTT_PRES_INFO_NAMESPACE}" entity="sip:a@x">`,
      '<tuple id="c1"><status>',
      '<p:affiliation group="sip:fire-1@mcptt.example"/>',
      '<p:affiliation status="deaffiliating" group="sip:fire-2@mcptt.example"/>',
      '</status></tuple>',
      '<tuple id="t2"><status>',
      `<p:affiliation group='sip:a&amp;b@mcptt.example' status="affiliated" expires="2026-12-06T12:00:00Z"></p:affiliation>`,
      '</status><p:p-id>c2</p:p-id></tuple></presence>',
    ].join('\r\n');

    expect(parseAffiliationTuples(xml)).toEqual([
      {
        mcpttId: 'sip:a@x',
        clientId: 'c1',
        groups: [
          { group: 'sip:fire-1@mcptt.example' },
          { group: 'sip:fire-2@mcptt.example', status: 'deaffiliating' },
        ],
      },
      {
        mcpttId: 'sip:a@x',
        clientId: 'c2',
        groups: [
          { group: 'sip:a&b@mcptt.example', status: 'affiliated', expires: '2026-12-06T12:00:00Z' },
        ],
      },
    ]);
  });

  it('reads a tuple without groups as an empty list', () => {
    expect(parseAffiliationTuples(pidf(''))).toEqual([
      { mcpttId: 'sip:a@x', clientId: 'c1', groups: [] },
    ]);
    expect(groupsOf(pidf(''))).toEqual([]);
  });

  it('rejects a pidf without tuple', () => {
    expectInvalid(
      () => parseAffiliationTuples(`<presence xmlns="${PIDF_NAMESPACE}"/>`),
      'pidf tuple missing',
    );
  });

  it('rejects an affiliation without group in any tuple', () => {
    const xml = pidfWith('group="sip:g@x"').replace(
      '</presence>',
      '<tuple id="c2"><status><m:affiliation expires="x"/></status></tuple></presence>',
    );

    expectInvalid(() => parseAffiliationTuples(xml), 'pidf affiliation group missing');
    expectInvalid(() => parseAffiliation(xml), 'pidf affiliation group missing');
  });

  it.each([
    ['status', pidf('', '<status/>')],
    ['p-id', pidf('', '<m:p-id>a</m:p-id><m:p-id>b</m:p-id>')],
  ])('rejects a repeated %s', (name, xml) => {
    expectInvalid(() => parseAffiliationTuples(xml), `${name} element repeated`);
  });
});

describe('parseAffiliation', () => {
  it('reads the first tuple', () => {
    const xml = pidfWith('group="sip:a@x"').replace(
      '</presence>',
      '<tuple id="c2"><status><m:affiliation group="sip:b@x"/></status></tuple></presence>',
    );

    expect(parseAffiliation(xml)).toEqual({
      mcpttId: 'sip:a@x',
      clientId: 'c1',
      groups: [{ group: 'sip:a@x' }],
    });
  });
});

describe('affiliatedGroups', () => {
  it('returns the groups of every tuple, less those being de-affiliated', () => {
    const xml = pidf(
      '<m:affiliation group="sip:a@x"/><m:affiliation group="sip:c@x" status="deaffiliating"/>',
    ).replace(
      '</presence>',
      '<tuple id="c2"><status><m:affiliation group="sip:b@x" status="affiliated"/></status></tuple></presence>',
    );

    expect(groupsOf(xml)).toEqual(['sip:a@x', 'sip:b@x']);
  });

  it('reads references in attribute values', () => {
    expect(groupsOf(pidfWith('group="sip:fire&#x2D;1&#64;mcptt.example"'))).toEqual([
      'sip:fire-1@mcptt.example',
    ]);
    expect(groupsOf(pidfWith(`group='a&apos;b&quot;&lt;&gt;&amp;c'`))).toEqual([`a'b"<>&c`]);
    expect(groupsOf(pidfWith('group="sip:g@x" status="deaffiliat&#x69;ng"'))).toEqual([]);
  });

  it('reads any attribute value written with escapeXml', () => {
    fc.assert(
      fc.property(fc.array(xmlText, { maxLength: 4 }), (values) => {
        const affiliations = values.map((value) => `<m:affiliation group="${escapeXml(value)}"/>`);

        expect(groupsOf(pidf(affiliations.join('')))).toEqual(values);
      }),
      { numRuns: 500 },
    );
  });
});

describe('the affiliation readers read only their schema path', () => {
  it('read the default and prefixed forms alike', () => {
    const prefixed =
      `<p:presence xmlns:p="${PIDF_NAMESPACE}" entity="sip:a@x"><p:tuple id="c1"><p:status>` +
      `<affiliation xmlns="${MCPTT_PRES_INFO_NAMESPACE}" group="sip:g@x"/>` +
      '</p:status></p:tuple></p:presence>';
    const expected = { mcpttId: 'sip:a@x', clientId: 'c1', groups: [{ group: 'sip:g@x' }] };

    expect(parseAffiliation(pidfWith('group="sip:g@x"'))).toEqual(expected);
    expect(parseAffiliation(prefixed)).toEqual(expected);
  });

  it('reject a root in another namespace', () => {
    const foreign = pidfWith('group="sip:g@x"').replace(PIDF_NAMESPACE, OTHER);

    expectInvalid(() => parseAffiliationTuples(foreign), 'pidf root element is not presence');
  });

  it('ignore lookalike affiliations', () => {
    const xml = pidf(
      `<affiliation xmlns="${OTHER}" group="sip:evil@x"/>` +
        '<affiliation group="sip:evil@x"/>' +
        `<ext xmlns="${OTHER}"><m:affiliation group="sip:evil@x"/></ext>` +
        '<m:affiliation group="sip:g@x"/>',
      '<m:affiliation group="sip:evil@x"/>',
    );

    expect(parseAffiliation(xml).groups).toEqual([{ group: 'sip:g@x' }]);
  });

  it('reject an affiliation whose group is of another namespace', () => {
    const xml = pidf(`<m:affiliation xmlns:o="${OTHER}" o:group="sip:g@x"/>`);

    expectInvalid(() => parseAffiliationTuples(xml), 'pidf affiliation group missing');
  });

  it('ignore a p-id of another namespace', () => {
    const xml = pidf('', `<p-id xmlns="${OTHER}">evil</p-id><m:p-id>client-1</m:p-id>`);

    expect(parseAffiliation(xml).clientId).toBe('client-1');
  });

  it('skip tuples of another namespace and inside extensions', () => {
    const xml = pidfWith('group="sip:g@x"').replace(
      '<tuple id="c1">',
      `<tuple xmlns="${OTHER}" id="evil"><status/></tuple>` +
        `<ext xmlns="${OTHER}"><tuple xmlns="${PIDF_NAMESPACE}"><status>` +
        '<m:affiliation group="sip:evil@x"/></status></tuple></ext><tuple id="c1">',
    );

    expect(parseAffiliationTuples(xml)).toEqual([
      { mcpttId: 'sip:a@x', clientId: 'c1', groups: [{ group: 'sip:g@x' }] },
    ]);
  });
});
