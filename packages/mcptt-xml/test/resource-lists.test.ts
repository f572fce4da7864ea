import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  buildResourceLists,
  escapeXml,
  parseResourceLists as readResourceLists,
  RESOURCE_LISTS_NAMESPACE,
} from '../src/index.js';
import {
  elementValue,
  expectInvalid,
  LIMIT,
  listOf,
  lists,
  OTHER,
  xmlText,
} from './helpers/bodies.js';

const parseResourceLists = (xml: string) => readResourceLists(xml, LIMIT);

describe('buildResourceLists', () => {
  it('writes URIs so that they read back the same', () => {
    const uris = ['sip:b@x', 'sip:c@x'];

    expect(parseResourceLists(buildResourceLists(uris))).toEqual(uris);
  });

  it('writes any URI so that it reads back the same', () => {
    fc.assert(
      fc.property(fc.array(elementValue, { minLength: 1, maxLength: 4 }), (uris) => {
        expect(parseResourceLists(buildResourceLists(uris))).toEqual(uris);
      }),
      { numRuns: 300 },
    );
  });

  it('rejects an empty list', () => {
    expect(() => buildResourceLists([])).toThrow(TypeError);
  });

  it('rejects text that XML cannot carry', () => {
    expect(() => buildResourceLists(['sip:\uD800@x'])).toThrow(TypeError);
  });
});

describe('parseResourceLists', () => {
  it('reads the uri of each entry', () => {
    const xml = [
      '<?xml version="1.0" encoding="UTF-8"?>',
      '<rl:resource-lists xmlns:rl="urn:ietf:params:xml:ns:resource-lists"',
      '    xmlns:cc="urn:ietf:params:xml:ns:copycontrol">',
      '  <rl:list>',
      '    <rl:entry uri="sip:bob@mcptt.example" cc:copyControl="to"/>',
      '    <rl:entry cc:copyControl="to" uri = "sip:carol@mcptt.example;p=&quot;a>b&quot;"></rl:entry>',
      '    <rl:entry-ref uri="sip:not-an-entry@mcptt.example"/>',
      '    <rl:entry/>',
      '  </rl:list>',
      '</rl:resource-lists>',
    ].join('\r\n');

    expect(parseResourceLists(xml)).toEqual([
      'sip:bob@mcptt.example',
      'sip:carol@mcptt.example;p="a>b"',
    ]);
  });

  it('reads nested lists in document order', () => {
    const xml = lists(
      '<list><list><entry uri="sip:a@x"/><list><entry uri="sip:b@x"/></list></list>' +
        '<entry uri="sip:c@x"/></list><list><entry uri="sip:d@x"/></list>',
    );

    expect(parseResourceLists(xml)).toEqual(['sip:a@x', 'sip:b@x', 'sip:c@x', 'sip:d@x']);
  });

  it('reads references in attribute values', () => {
    expect(parseResourceLists(listOf('<entry uri="sip:bob&#64;mcptt.example"/>'))).toEqual([
      'sip:bob@mcptt.example',
    ]);
  });

  it('reads any attribute value written with escapeXml', () => {
    fc.assert(
      fc.property(fc.array(xmlText, { maxLength: 4 }), (values) => {
        const entries = values.map((uri) => `<entry uri="${escapeXml(uri)}"/>`);

        expect(parseResourceLists(listOf(entries.join('')))).toEqual(values);
      }),
      { numRuns: 500 },
    );
  });
});

describe('parseResourceLists reads only its schema path', () => {
  it('reads the default and prefixed forms alike', () => {
    const prefixed =
      `<rl:resource-lists xmlns:rl="${RESOURCE_LISTS_NAMESPACE}"><rl:list>` +
      '<rl:entry uri="sip:b@x"/></rl:list></rl:resource-lists>';

    expect(parseResourceLists(listOf('<entry uri="sip:b@x"/>'))).toEqual(['sip:b@x']);
    expect(parseResourceLists(prefixed)).toEqual(['sip:b@x']);
  });

  it('rejects a root in another namespace', () => {
    const foreign = listOf('<entry uri="sip:b@x"/>').replace(RESOURCE_LISTS_NAMESPACE, OTHER);

    expectInvalid(
      () => parseResourceLists(foreign),
      'resource-lists root element is not resource-lists',
    );
  });

  it('ignores lookalike entries and attributes', () => {
    const xml = lists(
      `<list xmlns:o="${OTHER}"><o:entry uri="sip:evil@x"/><entry o:uri="sip:evil@x"/>` +
        `<list xmlns="${OTHER}"><entry uri="sip:evil@x"/></list>` +
        '<entry uri="sip:b@x"/></list>',
    );

    expect(parseResourceLists(xml)).toEqual(['sip:b@x']);
  });

  it('skips entries outside a list', () => {
    const xml = lists(
      '<entry uri="sip:evil@x"/>' +
        `<ext xmlns="${OTHER}"><list xmlns="${RESOURCE_LISTS_NAMESPACE}"><entry uri="sip:evil@x"/></list></ext>` +
        `<list><ext xmlns="${OTHER}"><entry xmlns="${RESOURCE_LISTS_NAMESPACE}" uri="sip:evil@x"/></ext></list>`,
    );

    expect(parseResourceLists(xml)).toEqual([]);
  });
});
