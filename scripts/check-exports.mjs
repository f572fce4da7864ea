#!/usr/bin/env node
// Checks the build of the published packages: every file that a package's `exports` names must
// exist after `npm run build`, and every JavaScript entry must load in Node by its package name,
// as an application that installs the package would load it. Run it after the build.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const packagesDir = join(root, 'packages');

/** Yields the file targets of one `exports` entry, whatever the nesting of its conditions. */
function* targetsOf(entry) {
  if (typeof entry === 'string') yield entry;
  else if (entry !== null && typeof entry === 'object') {
    for (const value of Object.values(entry)) yield* targetsOf(value);
  }
}

const failures = [];
let checked = 0;

for (const folder of readdirSync(packagesDir)) {
  const manifestPath = join(packagesDir, folder, 'package.json');
  if (!existsSync(manifestPath)) continue;
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
  if (manifest.private === true || manifest.exports === undefined) continue;

  for (const [subpath, entry] of Object.entries(manifest.exports)) {
    if (subpath === './package.json') continue;
    for (const target of targetsOf(entry)) {
      if (!existsSync(join(packagesDir, folder, target))) {
        failures.push(`${manifest.name} "${subpath}": ${target} missing after the build`);
      }
    }
    const specifier = subpath === '.' ? manifest.name : `${manifest.name}${subpath.slice(1)}`;
    try {
      const loaded = await import(specifier);
      if (Object.keys(loaded).length === 0) failures.push(`${specifier} exports nothing`);
    } catch (error) {
      failures.push(
        `${specifier} failed to load: ${error instanceof Error ? error.message : error}`,
      );
    }
    checked += 1;
  }
}

if (failures.length > 0) {
  for (const failure of failures) console.error(`check-exports: ${failure}`);
  process.exit(1);
}
console.log(`check-exports: ${checked} package entries built and loadable`);
