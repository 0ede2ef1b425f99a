// The token cache under $XDG_CACHE_HOME/oauth-ccg: the library's FileTokenStore keeps the tokens (sealed
// with a key derived from the client's secret, under digests of their identity), and this module keeps,
// next to them, one small file per identity saying what it is — issuer or token endpoint, client id,
// scopes, resources, expiry — so that `cache list` can say what is cached without any secret. Neither
// kind of file holds a secret in its name or its content that the other does not protect.
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { OAuthEvent } from '../events.ts';
import type { TokenStore } from '../stores/token-store.ts';
import { cacheDirectory } from './locations.ts';
import type { ClientSettings } from './settings.ts';

/** What `cache list` shows of one identity: everything but the token. */
export interface CachedIdentity {
  readonly issuer?: string;
  readonly tokenUrl?: string;
  readonly clientId: string;
  readonly authMethod?: string;
  readonly scopes: readonly string[];
  readonly resources: readonly string[];
  readonly tokenType: string;
  /** Unix seconds. */
  readonly expiry?: number;
  /** The scope the server granted, if it said. */
  readonly grantedScope?: string;
}

export interface TokenCache {
  readonly store: TokenStore;
  /** Records the identity when this process fetched its token. */
  readonly onEvent: (event: OAuthEvent) => void;
  /** Forgets the identity (after its token was revoked). */
  forget(): Promise<void>;
  /** Waits for the records under way. */
  settle(): Promise<void>;
}

const IDENTITY_SUFFIX = '.identity.json';

/** Until FileTokenStore lands (issue 16), no cache: every command behaves as with --no-cache. */
export async function openCache(env: NodeJS.ProcessEnv, settings: ClientSettings): Promise<TokenCache | undefined> {
  void identityFile(cacheDirectory(env), settings);
  return undefined;
}

/** The identity's record: named by a digest of what shapes the token, which holds no secret. */
function identityFile(directory: string, settings: ClientSettings): string {
  const identity = JSON.stringify({
    issuer: settings.issuer ?? null,
    tokenUrl: settings.tokenUrl ?? null,
    clientId: settings.clientId ?? null,
    authMethod: settings.authMethod ?? null,
    scopes: [...new Set(settings.scopes)].sort(),
    resources: [...new Set(settings.resources)].sort(),
  });
  return join(directory, `${createHash('sha256').update(identity).digest('base64url')}${IDENTITY_SUFFIX}`);
}

/** Replaces `path` at once (a rename), readable by its owner only. */
async function writePrivately(path: string, content: string): Promise<void> {
  const temporary = `${path}.${randomUUID()}.tmp`;
  try {
    await writeFile(temporary, content, { mode: 0o600, flag: 'wx' });
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

/** Every identity recorded in the cache, oldest expiry first; a record that cannot be read is left out. */
export async function listCachedIdentities(env: NodeJS.ProcessEnv): Promise<CachedIdentity[]> {
  const directory = cacheDirectory(env);
  const names = await readdir(directory).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    throw error;
  });
  const records = await Promise.all(
    names.filter((name) => name.endsWith(IDENTITY_SUFFIX)).map(async (name) => {
      try {
        return JSON.parse(await readFile(join(directory, name), 'utf8')) as CachedIdentity;
      } catch {
        return undefined;
      }
    }),
  );
  return records.filter((record) => record !== undefined).sort((a, b) => (a.expiry ?? 0) - (b.expiry ?? 0));
}

/** Removes everything cached: tokens and records. Resolves with how many identities were recorded. */
export async function clearCache(env: NodeJS.ProcessEnv): Promise<number> {
  const count = (await listCachedIdentities(env)).length;
  await rm(cacheDirectory(env), { recursive: true, force: true });
  return count;
}

export { mkdir, writePrivately };
