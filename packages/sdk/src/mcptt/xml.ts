/**
 * A small XML reader and writer for the MCPTT bodies, which are plain element trees. It runs
 * unchanged in browsers and Node, where no DOMParser exists.
 *
 * The reader accepts the XML declaration, comments, processing instructions, CDATA sections, the
 * five predefined entities and numeric character references. It rejects a DOCTYPE, so that no
 * entity expansion can happen, and it enforces size and depth limits.
 *
 * @module
 */
import { MimeParseError } from '@mcptt-smime/smime';

/** Maximum size in characters of an XML body. */
export const MAX_XML_CHARS = 64 * 1024;

/** Maximum element depth of an XML body. */
export const MAX_XML_DEPTH = 16;

/** An element with its namespace resolved. */
export interface XmlElement {
  /** Namespace URI, or the empty string when none is in scope. */
  readonly namespace: string;
  /** Local name, without prefix. */
  readonly name: string;
  /** Attributes by their name as written, prefix included. */
  readonly attributes: ReadonlyMap<string, string>;
  readonly children: readonly XmlElement[];
  /** Text content directly inside this element, concatenated and trimmed. */
  readonly text: string;
}

const PREDEFINED_ENTITIES: Readonly<Record<string, string>> = {
  lt: '<',
  gt: '>',
  amp: '&',
  quot: '"',
  apos: "'",
};

function fail(reason: string): never {
  throw new MimeParseError(`XML body invalid: ${reason}`);
}

/** Replaces entity and character references in text or an attribute value. */
function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]{1,6}|#[0-9]{1,7}|[a-zA-Z]+);/g, (_match, ref: string) => {
    if (!ref.startsWith('#')) {
      // Own properties only: `&constructor;` must not find Object's.
      const known = Object.hasOwn(PREDEFINED_ENTITIES, ref) ? PREDEFINED_ENTITIES[ref] : undefined;
      return known ?? fail('unknown entity reference');
    }
    const codePoint = ref.startsWith('#x')
      ? parseInt(ref.slice(2), 16)
      : parseInt(ref.slice(1), 10);
    if (codePoint > 0x10ffff) fail('character reference out of range');
    return String.fromCodePoint(codePoint);
  });
}

interface OpenElement {
  readonly qualifiedName: string;
  readonly rawAttributes: Map<string, string>;
  readonly scope: ReadonlyMap<string, string>;
  readonly children: XmlElement[];
  text: string;
}

function parseAttributes(source: string): Map<string, string> {
  const attributes = new Map<string, string>();
  const pattern = /([^\s=]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;
  let consumed = source.replace(pattern, (_m, name: string, dq?: string, sq?: string) => {
    if (attributes.has(name)) fail('duplicate attribute');
    attributes.set(name, decodeEntities(dq ?? sq ?? ''));
    return '';
  });
  consumed = consumed.trim();
  if (consumed !== '') fail('malformed attribute');
  return attributes;
}

function namespaceScope(parent: ReadonlyMap<string, string>, attributes: Map<string, string>) {
  const scope = new Map(parent);
  for (const [name, value] of attributes) {
    if (name === 'xmlns') scope.set('', value);
    else if (name.startsWith('xmlns:')) scope.set(name.slice(6), value);
  }
  return scope;
}

function closeElement(open: OpenElement): XmlElement {
  const colon = open.qualifiedName.indexOf(':');
  const prefix = colon < 0 ? '' : open.qualifiedName.slice(0, colon);
  const namespace = open.scope.get(prefix);
  if (namespace === undefined && prefix !== '') fail('undeclared namespace prefix');
  return {
    namespace: namespace ?? '',
    name: open.qualifiedName.slice(colon + 1),
    attributes: open.rawAttributes,
    children: open.children,
    text: open.text.trim(),
  };
}

/**
 * Parses an XML document and returns its root element. Raises MimeParseError on malformed XML,
 * a DOCTYPE, or a document past {@link MAX_XML_CHARS} or {@link MAX_XML_DEPTH}.
 */
export function parseXml(source: string): XmlElement {
  if (source.length > MAX_XML_CHARS) fail('document too large');
  const stack: OpenElement[] = [];
  let root: XmlElement | undefined;
  const token =
    /<!--[\s\S]*?-->|<\?[\s\S]*?\?>|<!\[CDATA\[([\s\S]*?)\]\]>|<!|<\/([^\s>]+)\s*>|<([^\s/>!?]+)((?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>|([^<]+)|</g;

  for (const match of source.matchAll(token)) {
    const [whole, cdata, closing, opening, attributeText, selfClosing, text] = match;
    const top = stack.at(-1);
    if (whole === '<!' || whole === '<') fail(whole === '<!' ? 'DOCTYPE not allowed' : 'stray <');
    if (whole.startsWith('<!--') || whole.startsWith('<?')) continue;

    if (cdata !== undefined || text !== undefined) {
      const content = cdata ?? decodeEntities(text ?? '');
      if (top !== undefined) top.text += content;
      else if (content.trim() !== '') fail('text outside the root element');
      continue;
    }

    if (closing !== undefined) {
      if (top === undefined || top.qualifiedName !== closing) fail('mismatched end tag');
      stack.pop();
      const element = closeElement(top);
      const parent = stack.at(-1);
      if (parent === undefined) root = element;
      else parent.children.push(element);
      continue;
    }

    if (opening === undefined) fail('unexpected markup');
    if (root !== undefined) fail('content after the root element');
    if (stack.length >= MAX_XML_DEPTH) fail('elements nested too deeply');
    const rawAttributes = parseAttributes(attributeText ?? '');
    const scope = namespaceScope(top?.scope ?? new Map(), rawAttributes);
    const open: OpenElement = {
      qualifiedName: opening,
      rawAttributes,
      scope,
      children: [],
      text: '',
    };

    if (selfClosing === '/') {
      const element = closeElement(open);
      if (top === undefined) root = element;
      else top.children.push(element);
    } else {
      stack.push(open);
    }
  }

  if (stack.length > 0 || root === undefined) fail('unclosed element');
  return root;
}

/** First child with this local name, in any namespace. */
export function childNamed(element: XmlElement, name: string): XmlElement | undefined {
  return element.children.find((child) => child.name === name);
}

/** Escapes text for element content and attribute values. */
export function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** The XML declaration that every body built here starts with. */
export const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>';
