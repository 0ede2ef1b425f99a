// Named profiles in $XDG_CONFIG_HOME/oauth-ccg/config.json. A profile says which client and where its
// credentials are (files), never the credentials themselves: the file can then be shared or committed.
import { existsSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { readFile } from '../stores/file/file-system.ts';
import { UsageError } from './exit-codes.ts';
import { homeDirectory } from './locations.ts';

/** One profile, its file paths resolved (`~` to the home directory, relative ones to the config file's directory). */
export interface Profile {
  readonly issuer?: string;
  readonly tokenUrl?: string;
  readonly revocationUrl?: string;
  readonly clientId?: string;
  readonly clientSecretFile?: string;
  readonly scopes?: readonly string[];
  readonly resources?: readonly string[];
  readonly authMethod?: string;
  readonly privateKeyFile?: string;
  readonly certFile?: string;
  readonly keyFile?: string;
  readonly dpop?: boolean;
}

type FieldKind = 'text' | 'path' | 'list' | 'boolean';

/** The fields a profile may have; anything else is a mistake worth saying (a typo would otherwise be ignored). */
const FIELDS: Record<keyof Profile, FieldKind> = {
  issuer: 'text',
  tokenUrl: 'text',
  revocationUrl: 'text',
  clientId: 'text',
  clientSecretFile: 'path',
  scopes: 'list',
  resources: 'list',
  authMethod: 'text',
  privateKeyFile: 'path',
  certFile: 'path',
  keyFile: 'path',
  dpop: 'boolean',
};

/**
 * The profile `requested` names (`--profile`, `OAUTH_CCG_PROFILE`), or else the config file's
 * `defaultProfile`; `undefined` when neither names one. A profile named but absent, or a config file that
 * cannot be read as the documented shape, is a {@link UsageError}.
 */
export async function loadProfile(configFile: string, requested: string | undefined, env: NodeJS.ProcessEnv): Promise<Profile | undefined> {
  const config = await readConfig(configFile, requested !== undefined);
  const name = requested ?? config?.defaultProfile;
  if (name === undefined) return undefined;
  if (typeof name !== 'string') throw invalid(configFile, 'defaultProfile must be the name of a profile.');
  const profiles = config?.profiles;
  if (profiles !== undefined && (typeof profiles !== 'object' || profiles === null || Array.isArray(profiles))) {
    throw invalid(configFile, 'profiles must be an object of named profiles.');
  }
  const profile = profiles !== undefined && Object.hasOwn(profiles, name) ? (profiles as Record<string, unknown>)[name] : undefined;
  if (profile === undefined) {
    const known = Object.keys(profiles ?? {});
    throw new UsageError(
      `No profile "${name}" in ${configFile}. ${known.length > 0 ? `Profiles there: ${known.join(', ')}.` : 'Add it under "profiles".'}`,
    );
  }
  return readProfile(name, profile, configFile, env);
}

interface ConfigFile {
  defaultProfile?: unknown;
  profiles?: unknown;
}

/** The parsed file, or `undefined` when there is none and none was asked for. */
async function readConfig(configFile: string, needed: boolean): Promise<ConfigFile | undefined> {
  // Most runs have no config file: asking first spares making the error that reading it would reject with.
  if (!needed && !existsSync(configFile)) return undefined;
  let text: string;
  try {
    text = await readFile(configFile, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' && !needed) return undefined;
    throw new UsageError(`Cannot read the config file ${configFile} (${(error as NodeJS.ErrnoException).code ?? 'unreadable'}). Create it, or set XDG_CONFIG_HOME.`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw invalid(configFile, 'it is not JSON.');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw invalid(configFile, 'it is not a JSON object.');
  return parsed as ConfigFile;
}

function readProfile(name: string, value: unknown, configFile: string, env: NodeJS.ProcessEnv): Profile {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid(configFile, `profile "${name}" is not an object.`);
  const profile: Record<string, unknown> = {};
  for (const [field, fieldValue] of Object.entries(value)) {
    if (!Object.hasOwn(FIELDS, field)) {
      throw invalid(configFile, `profile "${name}" has an unknown field "${field}". Fields: ${Object.keys(FIELDS).join(', ')}.`);
    }
    profile[field] = readField(FIELDS[field as keyof typeof FIELDS], fieldValue, `profile "${name}": ${field}`, configFile, env);
  }
  return profile as unknown as Profile;
}

function readField(kind: FieldKind, value: unknown, where: string, configFile: string, env: NodeJS.ProcessEnv): unknown {
  switch (kind) {
    case 'boolean':
      if (typeof value !== 'boolean') throw invalid(configFile, `${where} must be true or false.`);
      return value;
    case 'list':
      if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) throw invalid(configFile, `${where} must be an array of strings.`);
      return value;
    case 'text':
    case 'path':
      if (typeof value !== 'string' || value === '') throw invalid(configFile, `${where} must be a non-empty string.`);
      return kind === 'path' ? resolvePath(value, dirname(configFile), env) : value;
  }
}

/** `~/x` under the home directory; a relative path under `base`. */
function resolvePath(path: string, base: string, env: NodeJS.ProcessEnv): string {
  if (path === '~' || path.startsWith('~/')) return join(homeDirectory(env), path.slice(1));
  return isAbsolute(path) ? path : resolve(base, path);
}

function invalid(configFile: string, problem: string): UsageError {
  return new UsageError(`The config file ${configFile} cannot be used: ${problem}`);
}
