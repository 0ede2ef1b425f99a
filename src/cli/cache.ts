// The token cache: the library's FileTokenStore in $XDG_CACHE_HOME/oauth-ccg keeps the tokens (sealed
// with a key derived from the client's secret, in files named by digests of their identity), and this
// module keeps, next to them, one record per identity of what it is — issuer or token endpoint, client
// id, scopes, resources, the last token's expiry — so that `cache list` can say what is cached without
// any token or secret. Records are written like the store's files: whole (a rename), mode 0600, in the
// store's private directory, which the store checks.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigurationError } from '../errors.ts';
import type { OAuthEvent } from '../events.ts';
import { sha256Base64Url } from '../keys/base64url.ts';
import { FileTokenStore } from '../stores/file-token-store.ts';
import { replaceAtomically } from '../stores/file/atomic-write.ts';
import { readdir, rm } from '../stores/file/file-system.ts';
import { readIfPresent, removeIfPresent } from '../stores/file/if-present.ts';
import { preparePrivateDirectory } from '../stores/file/private-directory.ts';
import type { TokenStore } from '../stores/token-store.ts';
import type { Credentials } from './credentials.ts';
import { UsageError } from './exit-codes.ts';
import { cacheDirectory } from './locations.ts';
import type { ClientSettings } from './settings.ts';

/** What `cache list` shows of one identity: everything but the token. */
export interface CachedIdentity {
  readonly issuer?: string;
  readonly tokenUrl?: string;
  readonly clientId: string;
  readonly authMethod?: string;
  /** The scopes asked for. */
  readonly scopes: readonly string[];
  readonly resources: readonly string[];
  readonly tokenType: string;
  /** When the last token fetched expires, in unix seconds. */
  readonly expiry?: number;
  /** The scope the server granted, if it said. */
  readonly grantedScope?: string;
}

export interface TokenCache {
  readonly store: TokenStore;
  /** The store's directory, private to this user. */
  readonly directory: string;
  /** Records the identity whenever this process fetched a token for it. */
  readonly onEvent: (event: OAuthEvent) => void;
  /** Removes the identity's record (its token was revoked). */
  forget(): Promise<void>;
  /** Waits for the records being written. */
  settle(): Promise<void>;
}

/** Records end so; the store's own files (`<digest>.<kind>`) never do. */
const RECORD_SUFFIX = '.identity.json';

/**
 * The cache for one identity. The store seals tokens with a key derived from the client secret or private
 * key; a client with only a certificate seals them with its certificate's key. A cache directory that is
 * not private to this user is a {@link UsageError}.
 */
export function openCache(env: NodeJS.ProcessEnv, settings: ClientSettings, credentials: Credentials, report: (line: string) => void): TokenCache {
  const useCertificateKey = credentials.secret === undefined && credentials.privateKey === undefined;
  const store = usable(
    () => new FileTokenStore({ directory: cacheDirectory(env), ...(useCertificateKey && { encryptionKey: credentials.certificate?.key }) }),
    ' Or run with --no-cache.',
  );
  const record = () => recordPath(store.directory, settings);
  const writes = new Set<Promise<void>>();
  return {
    store,
    directory: store.directory,
    onEvent(event) {
      if (event.type !== 'token-updated' || event.source !== 'endpoint') return;
      const { tokenType, expiry, scope } = event.token;
      const identity: CachedIdentity = {
        ...(settings.issuer !== undefined && { issuer: settings.issuer }),
        ...(settings.tokenUrl !== undefined && { tokenUrl: settings.tokenUrl }),
        clientId: settings.clientId ?? '',
        ...(settings.authMethod !== undefined && { authMethod: settings.authMethod }),
        scopes: settings.scopes,
        resources: settings.resources,
        tokenType,
        ...(expiry !== undefined && { expiry }),
        ...(scope !== undefined && { grantedScope: scope }),
      };
      const write = record().then((path) => replaceAtomically(path, `${JSON.stringify(identity)}\n`)).catch((error: unknown) => report(`the cache record could not be written: ${String(error)}`));
      writes.add(write);
      void write.finally(() => writes.delete(write));
    },
    forget: async () => removeIfPresent(await record()),
    async settle() {
      await Promise.all(writes);
    },
  };
}

/** The identity's record: named by a digest of what shapes the token, which holds no secret. */
async function recordPath(directory: string, settings: ClientSettings): Promise<string> {
  const identity = JSON.stringify({
    issuer: settings.issuer ?? null,
    tokenUrl: settings.tokenUrl ?? null,
    clientId: settings.clientId ?? null,
    authMethod: settings.authMethod ?? null,
    scopes: [...new Set(settings.scopes)].sort(),
    resources: [...new Set(settings.resources)].sort(),
  });
  return join(directory, `${await sha256Base64Url(identity)}${RECORD_SUFFIX}`);
}

/** Every identity recorded in the cache, the soonest to expire first; a record that cannot be read is left out. */
export async function listCachedIdentities(env: NodeJS.ProcessEnv): Promise<CachedIdentity[]> {
  const directory = existingCacheDirectory(env);
  if (directory === undefined) return [];
  const names = (await readdir(directory)).filter((name) => name.endsWith(RECORD_SUFFIX));
  const records = await Promise.all(names.map(async (name) => parseRecord(await readIfPresent(join(directory, name)))));
  return records.filter((record) => record !== undefined).sort((a, b) => (a.expiry ?? 0) - (b.expiry ?? 0));
}

function parseRecord(bytes: Buffer | undefined): CachedIdentity | undefined {
  try {
    return bytes === undefined ? undefined : (JSON.parse(bytes.toString('utf8')) as CachedIdentity);
  } catch {
    return undefined;
  }
}

/** Removes the cache, tokens and records alike. Resolves with how many identities were recorded. */
export async function clearCache(env: NodeJS.ProcessEnv): Promise<number> {
  const count = (await listCachedIdentities(env)).length;
  await rm(cacheDirectory(env), { recursive: true, force: true });
  return count;
}

/** The cache directory, checked as the store checks it, or `undefined` when there is none yet. */
function existingCacheDirectory(env: NodeJS.ProcessEnv): string | undefined {
  const directory = cacheDirectory(env);
  return existsSync(directory) ? usable(() => preparePrivateDirectory(directory, 'The token cache')) : undefined;
}

/** `open()`, with a directory the store refuses (not private, not a directory) as a {@link UsageError}; `hint` names another way out. */
function usable<T>(open: () => T, hint = ''): T {
  try {
    return open();
  } catch (error) {
    if (!(error instanceof ConfigurationError)) throw error;
    throw new UsageError(`${error.message}${hint}`, { cause: error });
  }
}
