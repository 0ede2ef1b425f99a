import { readFileSync } from 'node:fs';
import { cpus, totalmem, type, release, arch } from 'node:os';

const ROOT = new URL('../../', import.meta.url);

export interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
}

export function describeMachine(): Machine {
  const list = cpus();
  return {
    cpu: list[0]?.model.trim() ?? 'unknown',
    cores: list.length,
    memoryGiB: totalmem() / 1024 ** 3,
    os: `${type()} ${release()} (${arch()})`,
    node: process.version,
  };
}

/** The installed version of a package, read from its package.json (the project's own for oauth-ccg). */
export function packageVersion(name: string): string {
  const path = name === 'oauth-ccg' ? 'package.json' : `node_modules/${name}/package.json`;
  try {
    return (JSON.parse(readFileSync(new URL(path, ROOT), 'utf8')) as { version: string }).version;
  } catch {
    return 'not installed';
  }
}

/** Where the bench writes its reports, relative to the repository root. */
export function outputPath(relative: string): URL {
  return new URL(relative, ROOT);
}
