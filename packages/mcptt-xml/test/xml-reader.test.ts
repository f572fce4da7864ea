import { describe, expect, it } from 'vitest';
import {
  MAX_XML_DEPTH,
  parseXml,
  singleChild,
  XmlSyntaxError,
  type XmlSizeLimit,
  type XmlSyntaxErrorReason,
} from '../src/index.js';
import { utf8ByteLength } from '../src/xml-characters.js';

const CODE_UNITS: XmlSizeLimit = { max: 16, unit: 'utf-16' };
const BYTES: XmlSizeLimit = { max: 16, unit: 'utf-8' };

/** Calls `action` and returns the XmlSyntaxError it raised. */
function syntaxErrorOf(action: () => unknown): XmlSyntaxError {
  try {
    action();
  } catch (error) {
    if (error instanceof XmlSyntaxError) return error;
    throw error;
  }
  throw new Error('no error raised');
}

/** Asserts that `action` raises XmlSyntaxError with `reason` and `detail`. */
function expectSyntaxError(
  action: () => unknown,
  reason: XmlSyntaxErrorReason,
  detail: string,
): void {
  const error = syntaxErrorOf(action);

  expect(error.reason).toBe(reason);
  expect(error.detail).toBe(detail);
  expect(error.message).toBe(`XML document invalid: ${detail}`);
  expect(error.name).toBe('XmlSyntaxError');
}

describe('parseXml', () => {
  it('resolves names against the declarations in scope', () => {
    const root = parseXml('<p:a xmlns:p="urn:x" p:k="v"><p:b>t</p:b></p:a>', {
      max: 1024,
      unit: 'utf-8',
    });

    expect(root).toMatchObject({ namespace: 'urn:x', name: 'a' });
    expect(root.attributes.get('{urn:x}k')).toBe('v');
    expect(root.children[0]).toMatchObject({ namespace: 'urn:x', name: 'b', text: 't' });
  });

  it('counts UTF-16 code units', () => {
    const xml = `<a>${'é'.repeat(9)}</a>`;

    expect(xml).toHaveLength(16);
    expect(parseXml(xml, CODE_UNITS).text).toBe('é'.repeat(9));
    expectSyntaxError(
      () => parseXml(`<a>${'é'.repeat(10)}</a>`, CODE_UNITS),
      'too-large',
      'document too large',
    );
  });

  it('counts UTF-8 bytes', () => {
    expect(parseXml(`<a>${'x'.repeat(9)}</a>`, BYTES).text).toBe('x'.repeat(9));
    expectSyntaxError(
      () => parseXml(`<a>${'é'.repeat(5)}</a>`, BYTES),
      'too-large',
      'document too large',
    );
  });

  it('rejects a DOCTYPE', () => {
    expectSyntaxError(
      () => parseXml('<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>', { max: 1024, unit: 'utf-8' }),
      'doctype',
      'DOCTYPE not allowed',
    );
  });

  it.each([
    ['<a></b>', 'mismatched end tag'],
    ['<a>', 'unclosed element'],
    ['<p:a/>', 'undeclared namespace prefix'],
    ['<a>&x;</a>', 'undeclared or malformed entity'],
    ['<a>\u0000</a>', 'character not allowed in XML'],
    ['<a>'.repeat(MAX_XML_DEPTH + 1), 'elements nested too deeply'],
  ])('rejects %j as malformed', (xml, detail) => {
    expectSyntaxError(() => parseXml(xml, { max: 1024, unit: 'utf-8' }), 'malformed', detail);
  });
});

describe('parseXml outside the root element', () => {
  const LIMIT: XmlSizeLimit = { max: 1024, unit: 'utf-8' };

  it('accepts comments and white space around the root element', () => {
    expect(parseXml('\n<!-- c -->\n<a/>\n<!-- c -->\n', LIMIT).name).toBe('a');
  });

  it.each(['&#32;<a/>', '<a/>&#10;', '&amp;<a/>'])('rejects the reference in %j', (xml) => {
    expectSyntaxError(() => parseXml(xml, LIMIT), 'malformed', 'text outside the root element');
  });
});

describe('parseXml declaration and processing instructions', () => {
  const LIMIT: XmlSizeLimit = { max: 1024, unit: 'utf-8' };

  it.each([
    ['<?xml version="1.0" encoding="UTF-8"?><a/>', 'version and encoding'],
    ["<?xml version='1.0' encoding='utf-8' standalone='yes'?>\n<a/>", 'lowercase, standalone'],
    ['\uFEFF<?xml version="1.0"?><a/>', 'after a byte order mark'],
    ['<?xml version="1.1" ?><a/>', 'version 1.1, read as 1.0'],
    ['<?xml-stylesheet href="a.css"?><a/><?pi data?>', 'other targets'],
  ])('accepts %j (%s)', (xml) => {
    expect(parseXml(xml, LIMIT).name).toBe('a');
  });

  it.each([
    ['UTF-7', '<?xml version="1.0" encoding="UTF-7"?><a>+ADw-b/+AD4-</a>'],
    ['Latin-1', '<?xml version="1.0" encoding="ISO-8859-1"?><a/>'],
  ])('rejects the %s encoding in %j', (_name, xml) => {
    const detail = 'XML declaration names an encoding other than UTF-8';

    expectSyntaxError(() => parseXml(xml, LIMIT), 'malformed', detail);
  });

  it.each([
    ' <?xml version="1.0"?><a/>',
    '<!-- c --><?xml version="1.0"?><a/>',
    '<a/><?xml version="1.0"?>',
    '<?XML version="1.0"?><a/>',
    '<a><?Xml x?></a>',
  ])('rejects the misplaced declaration in %j', (xml) => {
    const detail = 'XML declaration not at the start of the document';

    expectSyntaxError(() => parseXml(xml, LIMIT), 'malformed', detail);
  });

  it.each([
    ['<?xml?><a/>', 'malformed XML declaration'],
    ['<?xml version="2.0"?><a/>', 'malformed XML declaration'],
    ['<?xml encoding="UTF-8"?><a/>', 'malformed XML declaration'],
    ['<?xml version="1.0" encoding="UTF-8" version="1.0"?><a/>', 'malformed XML declaration'],
    ['<?xml version="1.0"encoding="UTF-8"?><a/>', 'malformed XML declaration'],
    ['<?xml version="1.0" standalone="maybe"?><a/>', 'malformed XML declaration'],
    ['<?xml version="1.0" encoding="8bit"?><a/>', 'malformed XML declaration'],
    ['<??><a/>', 'processing instruction without a target'],
    ['<? x?><a/>', 'processing instruction without a target'],
    ['<?a"b?><a/>', 'malformed processing instruction'],
  ])('rejects %j as malformed', (xml, detail) => {
    expectSyntaxError(() => parseXml(xml, LIMIT), 'malformed', detail);
  });
});

describe('singleChild', () => {
  it('rejects a repeated element', () => {
    const root = parseXml('<a><b/><b/></a>', { max: 1024, unit: 'utf-8' });

    expectSyntaxError(() => singleChild(root, '', 'b'), 'malformed', 'b element repeated');
  });
});

describe('utf8ByteLength', () => {
  it.each([
    ['', 'empty'],
    ['ascii', 'ASCII'],
    ['é\u07ff\u0800', 'two- and three-byte characters'],
    ['\u{1F600}\u{10FFFF}', 'surrogate pairs'],
    ['\uD800x\uDC00', 'lone surrogates'],
    ['\uDBFF', 'a high surrogate at the end'],
  ])('matches TextEncoder for %j (%s)', (text) => {
    expect(utf8ByteLength(text)).toBe(new TextEncoder().encode(text).length);
  });
});
