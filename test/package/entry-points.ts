// The package's entry points as package.json publishes them. The package check, its consumers and the
// size bench all read them here, so an entry point added to `exports` is checked everywhere at once.
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';

interface Conditions {
  import: { types: string; default: string };
  require: { types: string; default: string };
}

export interface Manifest {
  name: string;
  version: string;
  exports: Record<string, Conditions | string>;
  bin?: Record<string, string>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

export interface EntryPoint {
  /** The key in `exports`: `.`, `./node`, … */
  subpath: string;
  /** What a user imports: `oauth-ccg`, `oauth-ccg/node`, … */
  specifier: string;
  /** The TypeScript module it is built from: `src/index.ts`, `src/node.ts`, … */
  source: string;
  /** The published files, relative to the package root. */
  files: { esm: string; esmTypes: string; cjs: string; cjsTypes: string };
}

export const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as Manifest;

export const entryPoints: EntryPoint[] = Object.entries(manifest.exports)
  .filter((entry): entry is [string, Conditions] => typeof entry[1] !== 'string')
  .map(([subpath, conditions]) => {
    const esm = relative(conditions.import.default);
    return {
      subpath,
      specifier: subpath === '.' ? manifest.name : `${manifest.name}/${subpath.slice(2)}`,
      source: sourceOfBuilt(esm),
      files: { esm, esmTypes: relative(conditions.import.types), cjs: relative(conditions.require.default), cjsTypes: relative(conditions.require.types) },
    };
  });

/** The commands `bin` installs, and the folder of sources each is built from: all of its own modules live there. */
export const commands: { name: string; folder: string }[] = Object.entries(manifest.bin ?? {}).map(([name, path]) => ({
  name,
  folder: `${dirname(sourceOfBuilt(relative(path)))}/`,
}));

/** The entry point every other builds on, whose bundle the optional ones must stay out of. */
export const core = entryPoints.find((entry) => entry.subpath === '.')!;

/** The build keeps src/'s layout: dist/esm/x.js comes from src/x.ts. */
function sourceOfBuilt(path: string): string {
  return path.replace(/^dist\/esm\//, 'src/').replace(/\.js$/, '.ts');
}

function relative(path: string): string {
  return path.replace(/^\.\//, '');
}
