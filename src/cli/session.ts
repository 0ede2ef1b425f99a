// The library's Client, built from the command's settings: credentials read, mutual TLS, DPoP, the token
// cache and -v wired in. What a command does not use is not loaded: undici only with --cert, the cache
// only without --no-cache, the -v machinery only with -v.
import { Client } from '../client/client.ts';
import type { ClientConfiguration } from '../client/configuration.ts';
import type { OAuthEvent } from '../events.ts';
import type { TokenEndpointAuthMethod } from '../protocol/client-authentication/client-authentication.ts';
import type { TokenCache } from './cache.ts';
import { keepCodeCacheIn } from './code-cache.ts';
import type { CommandContext } from './context.ts';
import { readCredentials, type Credentials } from './credentials.ts';
import { UsageError } from './exit-codes.ts';
import { commandFetch } from './network.ts';
import { clientSettings, type ClientSettings } from './settings.ts';

export interface Session {
  readonly client: Client;
  readonly settings: ClientSettings;
  /** Absent with --no-cache or --dpop. */
  readonly cache: TokenCache | undefined;
  /** Ends the client's work; the process can then exit. */
  close(): Promise<void>;
}

/** What getToken rejects with, in a session opened `cachedOnly`, when the cache holds no token. */
export class NothingCached extends Error {
  override name = 'NothingCached';
}

/**
 * `apiUrl`: the API the command calls through `client.fetch`; the token is sent to its origin only.
 * `cachedOnly`: tokens come from the cache or not at all (the token endpoint is never asked for one).
 */
export async function openSession(context: CommandContext, apiUrl?: URL, { cachedOnly = false } = {}): Promise<Session> {
  const settings = await clientSettings(context.options, context.env);
  if (settings.clientId === undefined) {
    throw new UsageError('No client id. Give --client-id ID, set OAUTH_CCG_CLIENT_ID, or use a profile with a clientId (--profile NAME).');
  }
  if (settings.tokenUrl === undefined && settings.issuer === undefined) {
    throw new UsageError('No token endpoint. Give --token-url URL or --issuer URL (or OAUTH_CCG_TOKEN_URL, OAUTH_CCG_ISSUER, or a profile).');
  }
  if (settings.authMethod?.endsWith('tls_client_auth') && settings.certFile === undefined) {
    throw new UsageError(`${settings.authMethod} needs the client certificate: --cert FILE --key FILE.`);
  }
  const credentials = await readCredentials(settings, context);
  const verbose = context.diagnostics.verbose
    ? (await import('./verbose.ts')).verboseLog(context.diagnostics, [credentials.secret ?? ''], apiUrl?.origin)
    : undefined;
  const networkFetch = commandFetch(credentials.certificate ? await certificateFetch(credentials.certificate) : undefined);
  const fetchImplementation = verbose ? verbose.fetch(networkFetch) : networkFetch;
  // A DPoP token is bound to a key that lives as long as this process: caching it would help no one.
  const cache = settings.cache && !settings.dpop ? (await import('./cache.ts')).openCache(context.env, settings, credentials, context.diagnostics.detail) : undefined;
  if (cache) keepCodeCacheIn(cache.directory);
  const listeners = [verbose?.onEvent, cache?.onEvent].filter((listener) => listener !== undefined);

  const configuration: ClientConfiguration = {
    ...(apiUrl && { baseUrl: apiUrl.origin }),
    ...(settings.tokenUrl !== undefined && { tokenUrl: settings.tokenUrl }),
    ...(settings.issuer !== undefined && { issuer: settings.issuer }),
    ...(settings.revocationUrl !== undefined && { revocationUrl: settings.revocationUrl }),
    // Checked by the library, whose ConfigurationError names the methods it knows.
    ...(settings.authMethod !== undefined && { tokenEndpointAuthMethod: settings.authMethod as TokenEndpointAuthMethod }),
    ...(settings.timeout !== undefined && { timeout: settings.timeout }),
    ...(settings.dpop && { dpop: true }),
    fetch: fetchImplementation,
    ...(cache && { tokenStore: cache.store }),
    ...(listeners.length > 0 && { onEvent: (event: OAuthEvent) => listeners.forEach((listener) => listener(event)) }),
    clientCredentialsAuthCredentials: {
      oAuthClientId: settings.clientId,
      ...credentialFields(credentials),
      ...(settings.scopes.length > 0 && { oAuthScopes: settings.scopes }),
      ...(settings.resources.length > 0 && { oAuthResource: settings.resources }),
      // The library reads the store before asking the provider, so this provider is asked only when the cache has nothing.
      ...(cachedOnly && {
        oAuthTokenProvider: () => {
          throw new NothingCached('No cached token.');
        },
      }),
    },
  };
  const client = new Client(configuration);
  return {
    client,
    settings,
    cache,
    async close() {
      await client.close();
      await cache?.settle();
    },
  };
}

function credentialFields(credentials: Credentials): ClientConfiguration['clientCredentialsAuthCredentials'] {
  return {
    ...(credentials.secret !== undefined && { oAuthClientSecret: credentials.secret }),
    ...(credentials.privateKey !== undefined && { oAuthPrivateKey: credentials.privateKey }),
  };
}

/** mtlsFetch, from the Node entry point; it needs undici, an optional peer dependency of the package. */
async function certificateFetch(certificate: NonNullable<Credentials['certificate']>): Promise<typeof fetch> {
  let module: typeof import('../node/mtls-fetch.ts');
  try {
    module = await import('../node/mtls-fetch.ts');
  } catch (error) {
    // As an ES module import (from the sources) or a require (the built command: scripts/build.ts says why).
    if (!['ERR_MODULE_NOT_FOUND', 'MODULE_NOT_FOUND'].includes((error as NodeJS.ErrnoException).code ?? '')) throw error;
    throw new UsageError('--cert and --key need the undici package: npm install undici (next to oauth-ccg, or globally with it).');
  }
  return module.mtlsFetch(certificate);
}
