import { disposeByClose, type AsyncDisposableByClose } from '../disposable.ts';
import { ConfigurationError } from '../errors.ts';
import { createAuthorizedFetch } from '../transport/authorized-fetch.ts';
import { Authorizer } from '../transport/authorizer.ts';
import { ClientCredentialsAuthManager, settingsOf, transferableToken } from './auth-manager.ts';
import { frozenConfiguration } from './frozen-configuration.ts';
import { resolveSettings, tokenIdentity, type ClientConfiguration } from './configuration.ts';

/**
 * An API client authorized by the OAuth 2.0 Client Credentials Grant. Its configuration is immutable:
 * {@link withConfiguration} makes a new client.
 *
 * @example
 * const client = new Client({
 *   baseUrl: 'https://api.example.com/v2',
 *   tokenUrl: 'https://auth.example.com/oauth/token',
 *   clientCredentialsAuthCredentials: { oAuthClientId: 'id', oAuthClientSecret: 'secret', oAuthScopes: ['read'] },
 * });
 * const response = await client.fetch('/things'); // GET https://api.example.com/v2/things with a Bearer token
 */
export interface Client extends AsyncDisposableByClose {}

/**
 * The client's {@link Authorizer}, which the adapters for other HTTP stacks (axios, undici) share with
 * `client.fetch`. Keyed by a symbol so that it is no part of the public API.
 * @internal
 */
export const authorizerOf = Symbol('authorizerOf');

export class Client {
  /** The configuration this client was built from, frozen. Its JSON and inspect forms hide the secret and token. */
  readonly configuration: Readonly<ClientConfiguration>;
  /** Gets, holds and renews this client's token. */
  readonly clientCredentialsAuthManager: ClientCredentialsAuthManager;
  /**
   * `fetch` with the client's token. A string that is not an absolute URL is a path under `baseUrl`
   * (`'/things'` with baseUrl `https://api.example.com/v2` is `https://api.example.com/v2/things`).
   * Requests to `baseUrl`'s origin carry `Authorization: Bearer`; requests elsewhere carry no token.
   * Resolves with the `Response` whatever its status; a 401 for a refused token is retried once with a
   * new token. Rejects only when no token can be had (with the token error) or the request fails.
   *
   * It is bound to the client: give `client.fetch` as it is to anything that takes a `fetch` (ky, openapi-fetch).
   */
  readonly fetch: (input: string | URL | Request, init?: RequestInit) => Promise<Response>;
  readonly #authorizer: Authorizer | undefined;

  constructor(configuration: ClientConfiguration) {
    // The manager checks the configuration (every problem a ConfigurationError) and resolves it, once, for
    // both: its settings are copies, so the frozen copy kept here and the caller's object stay apart.
    this.clientCredentialsAuthManager = new ClientCredentialsAuthManager(configuration);
    this.configuration = frozenConfiguration(configuration);
    const settings = this.clientCredentialsAuthManager[settingsOf]();
    const { baseUrl } = settings;
    const authorizer = baseUrl && new Authorizer({ baseUrl, tokens: this.clientCredentialsAuthManager, dpop: settings.dpop, emit: settings.emit });
    this.#authorizer = authorizer;
    this.fetch = authorizer
      ? createAuthorizedFetch({ authorizer, timeout: settings.timeout, fetch: settings.fetch })
      : () => Promise.reject(new ConfigurationError('client.fetch needs baseUrl: the token is only ever sent to that origin.'));
  }

  /**
   * A new client with `changes` applied; `clientCredentialsAuthCredentials` is merged field by field.
   * While the token endpoint, credentials and scopes stay the same and no `oAuthToken` is given, the new
   * client starts from this client's current token instead of fetching another, if that token is still
   * usable and the API has not refused it.
   */
  withConfiguration(changes: Partial<ClientConfiguration>): Client {
    const current = this.configuration;
    const merged: ClientConfiguration = {
      ...current,
      ...changes,
      clientCredentialsAuthCredentials: { ...current.clientCredentialsAuthCredentials, ...changes.clientCredentialsAuthCredentials },
    };
    const heldToken = this.clientCredentialsAuthManager[transferableToken]();
    const [next, previous] = [resolveSettings(merged), this.clientCredentialsAuthManager[settingsOf]()];
    // A new secret keeps nothing either: it is how a caller says the old credentials are not to be trusted.
    const keepsToken =
      heldToken !== undefined &&
      changes.clientCredentialsAuthCredentials?.oAuthToken === undefined &&
      sameDpopKey(merged.dpop, current.dpop) &&
      next.clientSecret === previous.clientSecret &&
      tokenIdentity(next) === tokenIdentity(previous);
    return new Client(
      keepsToken ? { ...merged, clientCredentialsAuthCredentials: { ...merged.clientCredentialsAuthCredentials, oAuthToken: heldToken } } : merged,
    );
  }

  /**
   * Ends the client's token work (see `ClientCredentialsAuthManager.close`): a renewal under way is
   * awaited, none is started, and later calls reject with a `ClientClosedError`. Also `await using client = new Client(...)`.
   */
  close(): Promise<void> {
    return this.clientCredentialsAuthManager.close();
  }

  static {
    disposeByClose(this);
  }

  /** @internal See `authorizerOf` above; `undefined` without `baseUrl`. */
  [authorizerOf](): Authorizer | undefined {
    return this.#authorizer;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    const { baseUrl, tokenUrl } = this.configuration;
    const clientId = this.configuration.clientCredentialsAuthCredentials.oAuthClientId;
    return `Client { baseUrl: ${JSON.stringify(baseUrl?.toString())}, tokenUrl: ${JSON.stringify(tokenUrl?.toString())}, clientId: ${JSON.stringify(clientId)} }`;
  }

  /** The configuration, redacted: `JSON.stringify(client)` never shows the secret or a token. */
  toJSON(): unknown {
    return this.configuration;
  }
}

/**
 * Whether two `dpop` options give the same key: a DPoP-bound token works only with the key it is bound
 * to (RFC 9449 §6). `true` makes a fresh key for each client, so it never matches.
 */
function sameDpopKey(next: ClientConfiguration['dpop'], previous: ClientConfiguration['dpop']): boolean {
  if (next === undefined || previous === undefined) return next === previous;
  return next !== true && previous !== true && next.keyPair === previous.keyPair;
}
