/**
 * Locates the shared test corpora that may sit beside a checkout. Tests that read them use
 * `describe.skipIf(!corporaAvailable)`, so that a clone without the folder still passes.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Root of the repository. */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** Folder of the shared corpora, beside the repository. */
export const corporaDir = resolve(repoRoot, '..', 'shared', 'corpora');

/** True when the corpora folder exists. */
export const corporaAvailable = existsSync(corporaDir);

/** Reads a corpus file as bytes, by path relative to the corpora folder. */
export function readCorpus(relativePath: string): Uint8Array {
  return new Uint8Array(readFileSync(join(corporaDir, relativePath)));
}

/** Reads a corpus file as UTF-8 text. */
export function readCorpusText(relativePath: string): string {
  return readFileSync(join(corporaDir, relativePath), 'utf8');
}

/** Lists the file names of a corpus folder, sorted, or an empty list when it is missing. */
export function listCorpus(relativeDir: string): string[] {
  const dir = join(corporaDir, relativeDir);
  return existsSync(dir) ? readdirSync(dir).sort() : [];
}
