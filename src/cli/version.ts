// The package's version, from its package.json: the first one up from this file that names the package.
// (The build's dist/esm/package.json, which only says the copy is ES modules, comes first and is passed.)
import { readFile } from '../stores/file/file-system.ts';

const PACKAGE = 'oauth-ccg';

export async function packageVersion(): Promise<string> {
  for (let directory = new URL('./', import.meta.url); ; directory = new URL('../', directory)) {
    const manifest = await readManifest(new URL('package.json', directory));
    if (manifest?.name === PACKAGE && typeof manifest.version === 'string') return manifest.version;
    if (directory.pathname === '/') throw new Error(`no package.json of ${PACKAGE} above ${import.meta.url}`);
  }
}

async function readManifest(url: URL): Promise<{ name?: unknown; version?: unknown } | undefined> {
  try {
    return JSON.parse(await readFile(url, 'utf8')) as { name?: unknown; version?: unknown };
  } catch {
    return undefined;
  }
}
