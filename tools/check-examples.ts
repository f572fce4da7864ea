/**
 * Type-checks the code examples of the documentation against the built packages, as a user who
 * copies them would compile them: the ```ts blocks of every README.md and docs/*.md, and the
 * `@example` blocks of the TSDoc under the `src` folders of packages/ and examples/. Each block is
 * compiled as a module of its own with the compiler API. Every error is printed with its file and
 * line, and the exit status is then 1. Run it after `npm run build`, with `npm run check:examples`.
 *
 * A block is a fragment, so the check puts two things in front of it:
 *
 * - Imports. A block without import declarations gets the names it uses from the root entry of
 *   its workspace package and of that package's workspace dependencies, in that order. A block
 *   with an import declaration gets none, and must import every package name it uses. The
 *   `@example` of a symbol that no entry of its package exports is written for contributors: it
 *   is checked against the package's `src/index.ts` and the exports of its own module.
 * - Context. A block names the variables that it takes as given in `// context:` lines at its
 *   start, as a parameter list: `// context: keyPem: string, onGranted: () => void`. In Markdown
 *   the list may instead stand in an HTML comment before the fence, which renderers hide:
 *   `<!-- context: keyPem: string -->`. The list becomes one `declare let` statement.
 *
 * The compiler options are those of the root tsconfig.json with the DOM and Node types, except
 * that unused variables are allowed, since an example often shows a result that it does not use.
 *
 * @module
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import {
  contextOf,
  extractMarkdownExamples,
  extractTsDocExamples,
  type Example,
} from './example-blocks.js';

/** An npm workspace of the repository. */
interface Workspace {
  readonly name: string;
  /** Absolute folder. */
  readonly dir: string;
  /** Package names in `dependencies`. */
  readonly dependencies: readonly string[];
  /** Type file of each `exports` entry, the root entry under '.'. */
  readonly entries: ReadonlyMap<string, string>;
  /** Whether the manifest has `exports`, so that other code imports the package by its name. */
  readonly hasExports: boolean;
}

/** A name that a module exports. */
interface ExportedName {
  readonly name: string;
  readonly typeOnly: boolean;
}

/** A block turned into a module that the compiler can check. */
interface WrappedExample {
  readonly example: Example;
  /** Path of the module beside the documentation file, which exists only in memory. */
  readonly path: string;
  readonly text: string;
  /** Number of lines before the block's first line. */
  readonly preludeLines: number;
}

/** An error of one block, located in its documentation file. */
interface ExampleError {
  readonly file: string;
  readonly line: number;
  readonly message: string;
}

const SKIPPED_FOLDERS = new Set(['node_modules', 'dist', '.git', 'coverage', 'artifacts']);

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The folder of an integrator's own scripts at the root, which the other checks skip too. */
const LOCAL_FOLDER = join(root, 'local');

/**
 * Lists the files under `dir` whose name passes `accept`, outside dependency and build folders
 * and the root's `local` folder.
 */
function findFiles(dir: string, accept: (name: string) => boolean): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (SKIPPED_FOLDERS.has(entry.name)) continue;
    const path = join(dir, entry.name);
    if (path === LOCAL_FOLDER) continue;
    if (entry.isDirectory()) found.push(...findFiles(path, accept));
    else if (accept(entry.name)) found.push(path);
  }
  return found;
}

/** Reads the workspaces that the root package.json lists. */
function loadWorkspaces(): Workspace[] {
  const patterns = readJson(join(root, 'package.json'))['workspaces'];
  const dirs = (Array.isArray(patterns) ? patterns : []).flatMap((pattern: unknown) => {
    const path = join(root, String(pattern));
    if (!String(pattern).endsWith('/*')) return [path];
    return readdirSync(dirname(path)).map((name) => join(dirname(path), name));
  });
  return dirs.filter((dir) => existsSync(join(dir, 'package.json'))).map(readWorkspace);
}

/** Reads one workspace's manifest. Without `exports`, `src/index.ts` is its root entry. */
function readWorkspace(dir: string): Workspace {
  const manifest = readJson(join(dir, 'package.json'));
  const entries = new Map<string, string>();
  for (const [subpath, target] of Object.entries(asRecord(manifest['exports']))) {
    const file = typeof target === 'string' ? target : asRecord(target)['types'];
    if (subpath !== './package.json' && typeof file === 'string') {
      entries.set(subpath, join(dir, file));
    }
  }
  const hasExports = manifest['exports'] !== undefined;
  if (!hasExports && existsSync(join(dir, 'src/index.ts'))) {
    entries.set('.', join(dir, 'src/index.ts'));
  }
  const dependencies = Object.keys(asRecord(manifest['dependencies']));
  return { name: String(manifest['name']), dir, dependencies, entries, hasExports };
}

function readJson(path: string): Record<string, unknown> {
  return asRecord(JSON.parse(readFileSync(path, 'utf8')));
}

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
}

/** Returns the workspace whose folder contains `file`. */
function workspaceOf(workspaces: readonly Workspace[], file: string): Workspace | undefined {
  return workspaces.find((workspace) => !relative(workspace.dir, file).startsWith('..'));
}

/** Returns the type file of a workspace's root entry, or with `fromSource` its `src/index.ts`. */
function rootEntry(workspace: Workspace, fromSource: boolean): string | undefined {
  const source = join(workspace.dir, 'src/index.ts');
  return fromSource && existsSync(source) ? source : workspace.entries.get('.');
}

/** Lists the sources of packages/ and examples/ whose text contains an `@example` tag. */
function tsDocSources(workspaces: readonly Workspace[]): string[] {
  const isLibrary = ({ dir }: Workspace): boolean =>
    /^(packages|examples)\//.test(relative(root, dir));
  return workspaces.filter(isLibrary).flatMap(({ dir }) => {
    if (!existsSync(join(dir, 'src'))) return [];
    const sources = findFiles(join(dir, 'src'), (name) => /(?<!\.d)\.ts$/.test(name));
    return sources.filter((file) => readFileSync(file, 'utf8').includes('@example'));
  });
}

/** Lists the names that a module exports, and which of them are types only. */
function exportedNames(program: ts.Program, file: string): ExportedName[] {
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(file);
  const module = source === undefined ? undefined : checker.getSymbolAtLocation(source);
  if (module === undefined) throw new Error(`${relative(root, file)} missing: run npm run build`);
  return checker.getExportsOfModule(module).map((symbol) => {
    const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
    const typeOnlyExport = (symbol.declarations ?? []).some(ts.isTypeOnlyImportOrExportDeclaration);
    const typeOnly = typeOnlyExport || (target.flags & ts.SymbolFlags.Value) === 0;
    return { name: symbol.name, typeOnly };
  });
}

/** Collects the blocks of every README.md, docs/*.md and TSDoc source. */
function collectExamples(
  workspaces: readonly Workspace[],
  sources: readonly string[],
  exported: ReadonlyMap<string, readonly ExportedName[]>,
): Example[] {
  const markdown = [
    ...findFiles(root, (name) => name === 'README.md'),
    ...findFiles(join(root, 'docs'), (name) => name.endsWith('.md')),
  ];
  const examples = markdown.flatMap((file) =>
    extractMarkdownExamples(file, readFileSync(file, 'utf8')),
  );
  for (const file of sources) {
    const entries = [...(workspaceOf(workspaces, file)?.entries.values() ?? [])];
    const names = new Set(entries.flatMap((entry) => exported.get(entry) ?? []).map((e) => e.name));
    const isPublic = (name: string | undefined): boolean => name !== undefined && names.has(name);
    examples.push(...extractTsDocExamples(file, readFileSync(file, 'utf8'), isPublic));
  }
  return examples;
}

/** Parses a block: the names it declares, those it uses as values or types, and its imports. */
function readBlock(code: string): { declared: Set<string>; used: Set<string>; imports: boolean } {
  const source = ts.createSourceFile('block.ts', code, ts.ScriptTarget.ES2022, true);
  const declared = new Set<string>();
  const used = new Set<string>();
  const visit = (node: ts.Node): void => {
    if (ts.isIdentifier(node)) {
      if (isDeclarationName(node)) declared.add(node.text);
      else if (!isMemberName(node)) used.add(node.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return { declared, used, imports: source.statements.some(ts.isImportDeclaration) };
}

function isDeclarationName(node: ts.Identifier): boolean {
  const parent = node.parent;
  const declaration =
    ts.isVariableDeclaration(parent) ||
    ts.isFunctionDeclaration(parent) ||
    ts.isClassDeclaration(parent) ||
    ts.isInterfaceDeclaration(parent) ||
    ts.isTypeAliasDeclaration(parent) ||
    ts.isParameter(parent) ||
    ts.isBindingElement(parent) ||
    ts.isImportSpecifier(parent) ||
    ts.isImportClause(parent) ||
    ts.isNamespaceImport(parent);
  return declaration && parent.name === node;
}

/** True for the name of a property or member, which is not a variable of the block. */
function isMemberName(node: ts.Identifier): boolean {
  const parent = node.parent;
  const member =
    ts.isPropertyAccessExpression(parent) ||
    ts.isPropertyAssignment(parent) ||
    ts.isPropertySignature(parent) ||
    ts.isMethodDeclaration(parent) ||
    ts.isMethodSignature(parent);
  return (
    (member && parent.name === node) ||
    (ts.isQualifiedName(parent) && parent.right === node) ||
    (ts.isBindingElement(parent) && parent.propertyName === node)
  );
}

/** Returns an import specifier of `target` relative to the folder `from`. */
function relativeSpecifier(from: string, target: string): string {
  const path = relative(from, target).replace(/\.ts$/, '.js');
  return path.startsWith('.') ? path : `./${path}`;
}

/**
 * Lists the modules whose exports a block may use without importing them, as pairs of import
 * specifier and type file: the root entries of its workspace and of that workspace's
 * dependencies, then, for an internal symbol, its own module.
 */
function importSources(
  example: Example,
  path: string,
  workspaces: readonly Workspace[],
): [string, string][] {
  const home = workspaceOf(workspaces, example.file);
  const internal = example.module !== undefined;
  const sources: [string, string][] = [];
  for (const name of home === undefined ? [] : [home.name, ...home.dependencies]) {
    const workspace = workspaces.find((candidate) => candidate.name === name);
    if (workspace === undefined) continue;
    const entry = rootEntry(workspace, internal && workspace === home);
    if (entry === undefined) continue;
    const bySource = !workspace.hasExports || entry.endsWith('/src/index.ts');
    sources.push([bySource ? relativeSpecifier(dirname(path), entry) : name, entry]);
  }
  if (example.module !== undefined) {
    sources.push([relativeSpecifier(dirname(path), example.module), example.module]);
  }
  return sources;
}

/** Puts the imports and the context declaration in front of a block. */
function wrapExample(
  example: Example,
  workspaces: readonly Workspace[],
  exported: ReadonlyMap<string, readonly ExportedName[]>,
): WrappedExample {
  const path = `${example.file}.${String(example.line)}.example.ts`;
  const context = contextOf(example);
  const declaration = context === '' ? '' : `declare let ${context};`;
  const block = readBlock(`${declaration}\n${example.code}`);
  const needed = block.imports ? readBlock(declaration).used : block.used;
  const bound = new Set(block.declared);
  const prelude: string[] = [];
  for (const [specifier, file] of importSources(example, path, workspaces)) {
    const names = (exported.get(file) ?? []).filter(
      ({ name }) => needed.has(name) && !bound.has(name),
    );
    for (const { name } of names) bound.add(name);
    const list = names.map(({ name, typeOnly }) => (typeOnly ? `type ${name}` : name));
    if (list.length > 0) prelude.push(`import { ${list.join(', ')} } from '${specifier}';`);
  }
  if (declaration !== '') prelude.push(declaration);
  const text = [...prelude, example.code, 'export {};', ''].join('\n');
  return { example, path, text, preludeLines: prelude.length };
}

/** Reads the root tsconfig.json, with unused variables allowed and the DOM and Node types. */
function compilerOptions(): ts.CompilerOptions {
  const path = join(root, 'tsconfig.json');
  const config: unknown = ts.readConfigFile(path, (file) => ts.sys.readFile(file)).config;
  const { options } = ts.parseJsonConfigFileContent(config, ts.sys, root);
  return {
    ...options,
    noEmit: true,
    noUnusedLocals: false,
    noUnusedParameters: false,
    declaration: false,
    declarationMap: false,
    sourceMap: false,
    inlineSources: false,
    types: ['node'],
  };
}

/**
 * Creates a program over files on disk and `modules`, which exist only in memory. Files on disk
 * are parsed once for all programs that share `parsed`, so that the second program does not parse
 * the DOM and Node types and the packages again.
 */
function createProgram(
  rootNames: readonly string[],
  modules: ReadonlyMap<string, string>,
  options: ts.CompilerOptions,
  parsed: Map<string, ts.SourceFile>,
): ts.Program {
  const host = ts.createCompilerHost(options);
  const fileExists = host.fileExists.bind(host);
  const readFile = host.readFile.bind(host);
  const getSourceFile = host.getSourceFile.bind(host);
  host.fileExists = (file) => modules.has(file) || fileExists(file);
  host.readFile = (file) => modules.get(file) ?? readFile(file);
  host.getSourceFile = (file, language, ...rest) => {
    const text = modules.get(file);
    if (text !== undefined) return ts.createSourceFile(file, text, language, true);
    const source = parsed.get(file) ?? getSourceFile(file, language, ...rest);
    if (source !== undefined) parsed.set(file, source);
    return source;
  };
  return ts.createProgram({ rootNames, options, host });
}

/** Type-checks the wrapped blocks, and returns their errors located in the documentation. */
function checkExamples(
  wrapped: readonly WrappedExample[],
  options: ts.CompilerOptions,
  parsed: Map<string, ts.SourceFile>,
): ExampleError[] {
  const modules = new Map(wrapped.map((item) => [item.path, item.text]));
  const program = createProgram([...modules.keys()], modules, options, parsed);
  const errors: ExampleError[] = [];
  for (const { example, path, preludeLines } of wrapped) {
    if (example.code.trim() === '') {
      const message = 'empty block, or an @example without a ```ts fence';
      errors.push({ file: example.file, line: example.line, message });
    }
    const source = program.getSourceFile(path);
    if (source === undefined) continue;
    const diagnostics = [
      ...program.getSyntacticDiagnostics(source),
      ...program.getSemanticDiagnostics(source),
    ];
    for (const diagnostic of diagnostics) {
      const offset = source.getLineAndCharacterOfPosition(diagnostic.start ?? 0).line;
      const text = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
      errors.push(
        offset < preludeLines
          ? { file: example.file, line: example.line, message: `context or imports: ${text}` }
          : { file: example.file, line: example.line + offset - preludeLines, message: text },
      );
    }
  }
  return errors;
}

/** Checks every block, prints the errors, and returns the exit status. */
function main(): number {
  const started = performance.now();
  const options = compilerOptions();
  const workspaces = loadWorkspaces();
  const sources = tsDocSources(workspaces);
  const sourceEntries = workspaces
    .filter((workspace) => sources.some((file) => workspaceOf(workspaces, file) === workspace))
    .flatMap((workspace) => rootEntry(workspace, true) ?? []);
  const entries = workspaces.flatMap((workspace) => [...workspace.entries.values()]);
  const modules = [...new Set([...entries, ...sourceEntries, ...sources])];
  const parsed = new Map<string, ts.SourceFile>();
  const exportProgram = createProgram(modules, new Map(), options, parsed);
  const exported = new Map(modules.map((file) => [file, exportedNames(exportProgram, file)]));
  const examples = collectExamples(workspaces, sources, exported);
  const wrapped = examples.map((example) => wrapExample(example, workspaces, exported));
  const errors = checkExamples(wrapped, options, parsed);
  for (const { file, line, message } of errors) {
    console.error(`${relative(root, file)}:${String(line)}: ${message}`);
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const summary = `${String(examples.length)} examples, ${String(errors.length)} errors`;
  console.log(`check-examples: ${summary}, ${seconds} s`);
  return errors.length > 0 ? 1 : 0;
}

process.exitCode = main();
