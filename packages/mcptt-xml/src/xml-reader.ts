/**
 * A small XML reader for the MCPTT bodies, which are plain element trees, shared by the SDK and
 * the server. It runs unchanged in browsers and Node, where no DOMParser exists, and uses no
 * Node-only API.
 *
 * The reader checks that a document is well-formed XML 1.0 and resolves each element and
 * attribute name to its namespace URI and local name (Namespaces in XML 1.0), from the `xmlns`
 * declarations in scope at that element. The MCPTT readers can therefore match an element by
 * namespace and local name, whatever prefix the sender chose, and never mistake an element of
 * another namespace for an MCPTT one.
 *
 * It accepts an XML declaration at the start of the document with UTF-8 as its only encoding,
 * other processing instructions, comments, CDATA sections, the five predefined entities and
 * character references. It rejects a DOCTYPE, so that no entity can
 * be declared or expanded, and it enforces the caller's size limit, {@link MAX_XML_DEPTH} and
 * {@link MAX_XML_ELEMENTS}. It reads forward only, without regular expressions that could
 * backtrack, so that its time is linear in the size of the document. Every failure raises
 * {@link XmlSyntaxError}, which each caller maps to its own error class and SIP status.
 *
 * NOTE: the exact ranges of non-ASCII name characters are not checked, as every non-ASCII
 * character is taken for one, because no MCPTT field depends on them. Line ends and white
 * space in attribute values are kept as written, where XML 1.0 §2.11 and §3.3.3 would normalise
 * them.
 *
 * @module
 */
import {
  decodeReferences,
  isNameCharacter,
  isSpace,
  isXmlSpace,
  NON_XML_CHARACTER,
  startsName,
  trimXmlSpace,
  utf8ByteLength,
} from './xml-characters.js';
import { checkXmlDeclaration } from './xml-declaration.js';
import { raiseXmlError, XmlSyntaxError } from './xml-syntax-error.js';

/**
 * Maximum element depth of an XML document. The MCPTT bodies need up to 5 (location-info), and a
 * resource-lists one more for each list nested in a list.
 */
export const MAX_XML_DEPTH = 16;

/**
 * Maximum number of elements in an XML document, which bounds the tree that the reader builds. An
 * MCPTT body has a few elements, plus one for each entry of a resource-lists or group of a pidf.
 */
export const MAX_XML_ELEMENTS = 2048;

/** Namespace that the `xml` prefix is bound to without a declaration. */
const XML_NAMESPACE = 'http://www.w3.org/XML/1998/namespace';
/** Namespace of the `xmlns` attributes themselves, which no prefix may be bound to. */
const XMLNS_NAMESPACE = 'http://www.w3.org/2000/xmlns/';

/** An element with its namespace resolved. */
export interface XmlElement {
  /** Namespace URI, or the empty string when none is in scope. */
  readonly namespace: string;
  /** Local name, without prefix. */
  readonly name: string;
  /**
   * Attributes by expanded name: the local name of an attribute without prefix, and
   * `{namespace}name` for a prefixed one. The `xmlns` declarations are left out.
   */
  readonly attributes: ReadonlyMap<string, string>;
  readonly children: readonly XmlElement[];
  /** Character data directly inside this element, concatenated and trimmed of XML white space. */
  readonly text: string;
}

/** Size limit of a document, in the unit that the caller counts. */
export interface XmlSizeLimit {
  /** Maximum size of the document, inclusive. */
  readonly max: number;
  /**
   * `utf-16` counts UTF-16 code units (the string's `length`), and `utf-8` counts the bytes of
   * the document encoded as UTF-8, a lone surrogate as the 3 bytes of U+FFFD.
   */
  readonly unit: 'utf-16' | 'utf-8';
}

/**
 * Parses an XML document and returns its root element. Raises {@link XmlSyntaxError} with the
 * reason `too-large` for a document past `limit`, `doctype` for a DOCTYPE, and `malformed` for
 * malformed XML, an undeclared namespace prefix, an undeclared entity, or a document past
 * {@link MAX_XML_DEPTH} or {@link MAX_XML_ELEMENTS}.
 *
 * @param source - The document as text, already decoded from its bytes.
 * @param limit - Size limit, in UTF-16 code units or UTF-8 bytes.
 * @returns The root element, with its namespaces resolved.
 */
export function parseXml(source: string, limit: XmlSizeLimit): XmlElement {
  // A string of more UTF-16 code units than the limit has more UTF-8 bytes too, so the byte count
  // only runs on a string of bounded length.
  const tooLarge =
    source.length > limit.max || (limit.unit === 'utf-8' && utf8ByteLength(source) > limit.max);
  if (tooLarge) throw new XmlSyntaxError('too-large', 'document too large');
  if (NON_XML_CHARACTER.test(source)) raiseXmlError('character not allowed in XML');
  return new DocumentReader(source).read();
}

/** Tells whether `element` has the namespace URI `namespace` and the local name `name`. */
export function isElement(element: XmlElement, namespace: string, name: string): boolean {
  return element.namespace === namespace && element.name === name;
}

/** Returns the children of `parent` with this namespace URI and local name, in document order. */
export function childrenNamed(
  parent: XmlElement | undefined,
  namespace: string,
  name: string,
): XmlElement[] {
  return parent?.children.filter((child) => isElement(child, namespace, name)) ?? [];
}

/**
 * Returns the one child of `parent` with this namespace URI and local name, or undefined when it
 * has none. Raises a `malformed` {@link XmlSyntaxError} when it has several, as an element that
 * the schema allows once would otherwise read differently in readers that take the first and
 * those that take the last.
 */
export function singleChild(
  parent: XmlElement | undefined,
  namespace: string,
  name: string,
): XmlElement | undefined {
  const found = childrenNamed(parent, namespace, name);
  if (found.length > 1) raiseXmlError(`${name} element repeated`);
  return found[0];
}

/**
 * Escapes text for element content and attribute values. Raises TypeError when `text` has a
 * character that XML 1.0 does not allow, such as U+0000, as no reader could read it back.
 *
 * @param text - Text to write into an element or a double-quoted attribute value.
 * @returns The text with `&`, `<`, `>`, `"` and `'` replaced by references.
 */
export function escapeXml(text: string): string {
  if (NON_XML_CHARACTER.test(text)) throw new TypeError('text has a character XML does not allow');
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** An element whose end tag is still to come. */
interface OpenElement {
  readonly qualifiedName: string;
  readonly namespace: string;
  readonly name: string;
  readonly attributes: ReadonlyMap<string, string>;
  /** Namespace prefixes that this element declares, `''` for the default namespace. */
  readonly declarations: ReadonlyMap<string, string> | undefined;
  readonly children: XmlElement[];
  readonly text: string[];
}

/** Reads one document from its start to its end, keeping the elements still open. */
class DocumentReader {
  readonly #source: string;
  /** Offset of the first character of the document, after a byte order mark. */
  readonly #start: number;
  #position: number;
  readonly #open: OpenElement[] = [];
  #root: XmlElement | undefined;
  #elementCount = 0;

  constructor(source: string) {
    this.#source = source;
    // A byte order mark is the encoding's and not part of the document.
    this.#start = source.startsWith('\uFEFF') ? 1 : 0;
    this.#position = this.#start;
  }

  read(): XmlElement {
    const source = this.#source;
    while (this.#position < source.length) {
      const markup = source.indexOf('<', this.#position);
      const textEnd = markup < 0 ? source.length : markup;
      const text = source.slice(this.#position, textEnd);
      // XML 1.0 §2.4: `]]>` ends a CDATA section and may not stand in character data.
      if (text.includes(']]>')) raiseXmlError(']]> in text');
      // XML 1.0 §2.8 allows only white space outside the root element, and a reference such as
      // `&#32;` is not white space, so that text is checked before it is decoded.
      this.#addText(this.#open.length === 0 ? text : decodeReferences(text));
      this.#position = textEnd;
      if (markup >= 0) this.#readMarkup();
    }
    if (this.#open.length > 0) raiseXmlError('unclosed element');
    return this.#root ?? raiseXmlError('no root element');
  }

  #readMarkup(): void {
    const source = this.#source;
    const at = this.#position;
    if (source.startsWith('<!--', at)) {
      const comment = this.#readThrough('<!--', '-->', 'comment');
      // XML 1.0 §2.5: a comment contains no `--` and does not end in `-`.
      if (comment.includes('--') || comment.endsWith('-')) raiseXmlError('-- inside a comment');
    } else if (source.startsWith('<![CDATA[', at)) {
      if (this.#open.length === 0) raiseXmlError('CDATA section outside the root element');
      this.#addText(this.#readThrough('<![CDATA[', ']]>', 'CDATA section'));
    } else if (source.startsWith('<!DOCTYPE', at)) {
      throw new XmlSyntaxError('doctype', 'DOCTYPE not allowed');
    } else if (source.startsWith('<?', at)) {
      this.#readProcessingInstruction();
    } else if (source[at + 1] === '/') {
      this.#readEndTag();
    } else {
      this.#readStartTag();
    }
  }

  /** Moves past markup from `open` to `close`, and returns the text between the two. */
  #readThrough(open: string, close: string, what: string): string {
    const start = this.#position + open.length;
    const end = this.#source.indexOf(close, start);
    if (end < 0) raiseXmlError(`unterminated ${what}`);
    this.#position = end + close.length;
    return this.#source.slice(start, end);
  }

  /**
   * Moves past a processing instruction (XML 1.0 §2.6) and checks the XML declaration. The target
   * `xml` is reserved in any case, and §2.8 allows the declaration only as the first characters
   * of the document.
   */
  #readProcessingInstruction(): void {
    const at = this.#position;
    const content = this.#readThrough('<?', '?>', 'processing instruction');
    let targetEnd = 0;
    while (isNameCharacter(content.charCodeAt(targetEnd))) targetEnd++;
    const target = content.slice(0, targetEnd);
    if (!startsName(target)) raiseXmlError('processing instruction without a target');
    if (targetEnd < content.length && !isSpace(content.charCodeAt(targetEnd))) {
      raiseXmlError('malformed processing instruction');
    }
    if (target.toLowerCase() !== 'xml') return;
    if (target !== 'xml' || at !== this.#start) {
      raiseXmlError('XML declaration not at the start of the document');
    }
    checkXmlDeclaration(content.slice(targetEnd));
  }

  #addText(text: string): void {
    if (text === '') return;
    const parent = this.#open.at(-1);
    if (parent !== undefined) parent.text.push(text);
    else if (!isXmlSpace(text)) raiseXmlError('text outside the root element');
  }

  #readStartTag(): void {
    this.#position++;
    const qualifiedName = this.#readName();
    if (qualifiedName === '') raiseXmlError('unexpected markup');
    const { attributes, empty } = this.#readAttributes();
    if (this.#root !== undefined) raiseXmlError('content after the root element');
    if (this.#open.length >= MAX_XML_DEPTH) raiseXmlError('elements nested too deeply');
    if (++this.#elementCount > MAX_XML_ELEMENTS) raiseXmlError('too many elements');

    const element = this.#resolve(qualifiedName, attributes);
    if (empty) this.#close(element);
    else this.#open.push(element);
  }

  /** Reads the attributes of a start tag and its closing `>` or `/>`. */
  #readAttributes(): { attributes: [string, string][]; empty: boolean } {
    const source = this.#source;
    const attributes: [string, string][] = [];
    for (;;) {
      const spaced = this.#skipSpace();
      if (source[this.#position] === '>' || source.startsWith('/>', this.#position)) {
        const empty = source[this.#position] === '/';
        this.#position += empty ? 2 : 1;
        return { attributes, empty };
      }
      if (this.#position >= source.length) raiseXmlError('unterminated start tag');
      const name = this.#readName();
      if (!spaced || name === '') raiseXmlError('malformed attribute');
      this.#skipSpace();
      if (source[this.#position] !== '=') raiseXmlError('malformed attribute');
      this.#position++;
      this.#skipSpace();
      attributes.push([name, this.#readAttributeValue()]);
    }
  }

  #readAttributeValue(): string {
    const quote = this.#source[this.#position];
    if (quote !== '"' && quote !== "'") raiseXmlError('malformed attribute');
    const close = this.#source.indexOf(quote, this.#position + 1);
    if (close < 0) raiseXmlError('unterminated attribute value');
    const raw = this.#source.slice(this.#position + 1, close);
    if (raw.includes('<')) raiseXmlError('< in an attribute value');
    this.#position = close + 1;
    return decodeReferences(raw);
  }

  #readEndTag(): void {
    this.#position += 2;
    const qualifiedName = this.#readName();
    this.#skipSpace();
    if (this.#source[this.#position] !== '>') raiseXmlError('malformed end tag');
    this.#position++;
    const element = this.#open.pop();
    if (element === undefined || element.qualifiedName !== qualifiedName) {
      raiseXmlError('mismatched end tag');
    }
    this.#close(element);
  }

  #close(element: OpenElement): void {
    const closed: XmlElement = {
      namespace: element.namespace,
      name: element.name,
      attributes: element.attributes,
      children: element.children,
      text: trimXmlSpace(element.text.join('')),
    };
    const parent = this.#open.at(-1);
    if (parent === undefined) this.#root = closed;
    else parent.children.push(closed);
  }

  /** Resolves the names of an element and its attributes against the declarations in scope. */
  #resolve(qualifiedName: string, written: readonly [string, string][]): OpenElement {
    const declarations = namespaceDeclarations(written);
    const lookUp = (prefix: string) => declarations?.get(prefix) ?? this.#namespaceOf(prefix);
    const [prefix, name] = splitName(qualifiedName);
    if (prefix === 'xmlns') raiseXmlError('reserved prefix xmlns on an element');
    const namespace = lookUp(prefix) ?? raiseXmlError('undeclared namespace prefix');

    const attributes = new Map<string, string>();
    for (const [attributeName, value] of written) {
      const [attributePrefix, localName] = splitName(attributeName);
      if (attributePrefix === 'xmlns' || attributeName === 'xmlns') continue;
      // An attribute without prefix is in no namespace, whatever the default namespace is.
      const attributeNamespace =
        attributePrefix === ''
          ? ''
          : (lookUp(attributePrefix) ?? raiseXmlError('undeclared namespace prefix'));
      const key = attributeNamespace === '' ? localName : `{${attributeNamespace}}${localName}`;
      if (attributes.has(key)) raiseXmlError('duplicate attribute');
      attributes.set(key, value);
    }
    return { qualifiedName, namespace, name, attributes, declarations, children: [], text: [] };
  }

  /**
   * Returns the namespace bound to `prefix` by the open elements, or undefined. The lookup walks
   * at most {@link MAX_XML_DEPTH} elements, and no scope is copied.
   */
  #namespaceOf(prefix: string): string | undefined {
    for (let i = this.#open.length - 1; i >= 0; i--) {
      const bound = this.#open[i]?.declarations?.get(prefix);
      if (bound !== undefined) return bound;
    }
    if (prefix === 'xml') return XML_NAMESPACE;
    return prefix === '' ? '' : undefined;
  }

  /** Reads a name (XML 1.0 §2.3) at the current position, or returns '' when none starts there. */
  #readName(): string {
    const start = this.#position;
    while (isNameCharacter(this.#source.charCodeAt(this.#position))) this.#position++;
    return this.#source.slice(start, this.#position);
  }

  /** Moves past XML white space, and returns true when there was some. */
  #skipSpace(): boolean {
    const start = this.#position;
    while (isSpace(this.#source.charCodeAt(this.#position))) this.#position++;
    return this.#position > start;
  }
}

/**
 * Returns the namespace declarations among the attributes of a start tag, by prefix (`''` for
 * `xmlns`), or undefined when there are none. Raises XmlSyntaxError on a declaration that
 * Namespaces in XML 1.0 §3 forbids.
 */
function namespaceDeclarations(
  attributes: readonly [string, string][],
): Map<string, string> | undefined {
  let declarations: Map<string, string> | undefined;
  for (const [name, value] of attributes) {
    const prefix = name === 'xmlns' ? '' : name.startsWith('xmlns:') ? name.slice(6) : undefined;
    if (prefix === undefined) continue;
    if (prefix !== '' && value === '') raiseXmlError('empty namespace name for a prefix');
    const reserved =
      prefix === 'xmlns' ||
      value === XMLNS_NAMESPACE ||
      (prefix === 'xml') !== (value === XML_NAMESPACE);
    if (reserved) raiseXmlError('reserved namespace prefix or name');
    declarations ??= new Map();
    if (declarations.has(prefix)) raiseXmlError('duplicate attribute');
    declarations.set(prefix, value);
  }
  return declarations;
}

/** Splits a qualified name into prefix and local name. Raises XmlSyntaxError on a bad one. */
function splitName(qualifiedName: string): [prefix: string, localName: string] {
  const colon = qualifiedName.indexOf(':');
  const prefix = colon < 0 ? '' : qualifiedName.slice(0, colon);
  const localName = qualifiedName.slice(colon + 1);
  const valid =
    startsName(localName) && !localName.includes(':') && (colon < 0 || startsName(prefix));
  if (!valid) raiseXmlError('invalid name');
  return [prefix, localName];
}
