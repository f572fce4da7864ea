/**
 * The code blocks of the documentation: the ```ts blocks of Markdown files and the `@example`
 * blocks of TSDoc, with the context that each names. `check-examples.ts` type-checks them.
 *
 * @module
 */
import ts from 'typescript';

/** One code block to check. */
export interface Example {
  /** Absolute path of the Markdown or TypeScript file. */
  readonly file: string;
  /** 1-based line of the block's first code line in that file. */
  readonly line: number;
  /** The code, without fences or TSDoc ` * ` prefixes. */
  readonly code: string;
  /** The parameter list of an HTML context comment before the fence, or '' without one. */
  readonly precedingContext: string;
  /** For the `@example` of an internal symbol: the source module that declares it. */
  readonly module?: string;
}

const CODE_FENCE = /^\s*```(ts|typescript)\s*$/;
const CLOSING_FENCE = /^\s*```\s*$/;
const CONTEXT_LINE = /^\s*\/\/\s*context:(.*)$/;
const HTML_CONTEXT = /^\s*<!--\s*context:([\s\S]*?)-->\s*$/;

/** Extracts the ```ts blocks of a Markdown text, each with the HTML context comment before it. */
export function extractMarkdownExamples(file: string, text: string): Example[] {
  const lines = text.split('\n');
  const examples: Example[] = [];
  for (let index = 0; index < lines.length; index += 1) {
    if (!CODE_FENCE.test(lines[index] ?? '')) continue;
    const end = findClosingFence(lines, index + 1, (line) => line);
    const code = lines.slice(index + 1, end).join('\n');
    examples.push({ file, line: index + 2, code, precedingContext: htmlContext(lines, index) });
    index = end;
  }
  return examples;
}

/**
 * Returns the parameter list of an HTML context comment that ends before line `fence`, with only
 * blank lines between them, since Prettier puts one there.
 */
function htmlContext(lines: readonly string[], fence: number): string {
  let end = fence - 1;
  while (end > 0 && (lines[end] ?? '').trim() === '') end -= 1;
  if (!(lines[end] ?? '').trimEnd().endsWith('-->')) return '';
  let start = end;
  while (start > 0 && !(lines[start] ?? '').trimStart().startsWith('<!--')) start -= 1;
  const comment = lines.slice(start, end + 1).join(' ');
  return HTML_CONTEXT.exec(comment)?.[1]?.replace(/\s+/g, ' ').trim() ?? '';
}

/** Returns the index of the closing fence at or after `start`, or the number of lines. */
function findClosingFence(
  lines: readonly string[],
  start: number,
  strip: (line: string) => string,
): number {
  let end = start;
  while (end < lines.length && !CLOSING_FENCE.test(strip(lines[end] ?? ''))) end += 1;
  return end;
}

/** Removes the ` * ` prefix of a TSDoc line. */
function stripTsDocPrefix(line: string): string {
  return line.replace(/^\s*\*( |$)/, '');
}

/**
 * Extracts the `@example` blocks of a TypeScript source. `isPublic` returns whether an entry of the
 * package exports a top-level name. An `@example` without a ```ts fence gives an empty block,
 * which the check reports.
 */
export function extractTsDocExamples(
  file: string,
  text: string,
  isPublic: (name: string | undefined) => boolean,
): Example[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
  const lines = text.split('\n');
  const examples: Example[] = [];
  for (const [doc, owner] of documentedStatements(source)) {
    const internal = isModuleDoc(doc) ? !file.endsWith('/src/index.ts') : !isPublic(owner);
    for (const tag of doc.tags ?? []) {
      if (tag.tagName.text !== 'example') continue;
      const tagLine = source.getLineAndCharacterOfPosition(tag.getStart(source)).line;
      const docLines = lines.slice(tagLine, source.getLineAndCharacterOfPosition(doc.end).line);
      const fence = docLines.findIndex((line) => CODE_FENCE.test(stripTsDocPrefix(line)));
      const start = tagLine + fence + 1;
      const end = fence < 0 ? start : findClosingFence(lines, start, stripTsDocPrefix);
      const code = lines.slice(start, end).map(stripTsDocPrefix).join('\n');
      const example: Example = { file, line: start + 1, code, precedingContext: '' };
      examples.push(internal ? { ...example, module: file } : example);
    }
  }
  return examples;
}

/** True for the comment of a whole module, which documents the entry when it is one. */
function isModuleDoc(doc: ts.JSDoc): boolean {
  return (doc.tags ?? []).some((tag) => /^(packageDocumentation|module)$/.test(tag.tagName.text));
}

/** Maps each TSDoc comment of a source to the name of the top-level statement that it is on. */
function documentedStatements(source: ts.SourceFile): Map<ts.JSDoc, string | undefined> {
  const found = new Map<ts.JSDoc, string | undefined>();
  const visit = (node: ts.Node): void => {
    for (const doc of ts.getJSDocCommentsAndTags(node)) {
      if (ts.isJSDoc(doc) && !found.has(doc)) found.set(doc, topLevelName(node));
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** Returns the declared name of the top-level statement that contains `node`. */
function topLevelName(node: ts.Node): string | undefined {
  let statement = node;
  while (!ts.isSourceFile(statement.parent)) statement = statement.parent;
  const name = ts.isVariableStatement(statement)
    ? statement.declarationList.declarations[0]?.name
    : ts.getNameOfDeclaration(statement as ts.Declaration);
  return name !== undefined && ts.isIdentifier(name) ? name.text : undefined;
}

/** Returns the parameter list of a block's context: the comment before it and its first lines. */
export function contextOf(example: Example): string {
  const contexts = example.precedingContext === '' ? [] : [example.precedingContext];
  for (const line of example.code.split('\n')) {
    const match = CONTEXT_LINE.exec(line);
    if (match === null) break;
    contexts.push((match[1] ?? '').trim().replace(/,$/, ''));
  }
  return contexts.join(', ');
}
