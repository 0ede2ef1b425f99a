import { disposeByClose, type AsyncDisposableByClose } from '../disposable.ts';
import { ClientClosedError, ConfigurationError, InvalidTokenError, TimeoutError } from '../errors.ts';
import { boundedTokenSource } from '../lifecycle/bounded-token-source.ts';
import { EndpointTokenSource } from '../lifecycle/endpoint-token-source.ts';
import { keepingAlive } from '../lifecycle/keep-alive.ts';
import { ReusingTokenSource } from '../lifecycle/reusing-token-source.ts';
import type { TokenSource } from '../lifecycle/token-source.ts';
import { resolveEndpoints, type EndpointResolver } from '../lifecycle/endpoints.ts';
import { longestRetriedDuration, withRetries } from '../lifecycle/retry.ts';
import { scheduleRenewal } from '../lifecycle/renewal-schedule.ts';
import { tokenTypesFor } from '../protocol/dpop.ts';
import { KnownSecrets } from '../redaction.ts';
import { isTokenExpired, leaseToken, type OAuthToken, type TokenLease } from '../token.ts';
import { requireSafeUrl, resolveSettings, tokenIdentity, type ClientConfiguration, type Settings } from './configuration.ts';

/** Extra token request parameters (e.g. `resource`, RFC 8707); an array repeats the parameter. */
export type AdditionalTokenParams = Readonly<Record<string, string | readonly string[]>>;

/** Parameters that belong to the library: letting a caller set them would break the request or leak secrets. */
const RESERVED_PARAMS = new Set(['grant_type', 'client_id', 'client_secret', 'client_assertion', 'client_assertion_type']);

/**
 * The token a client can hand to a client made from it by `withConfiguration`: usable now, and never one
 * the API refused. Keyed by a symbol that is not exported, so it is no part of the public API.
 * @internal
 */
export const transferableToken = Symbol('transferableToken');

/**
 * The manager's settings, the one resolution of the configuration, which its client's transport shares
 * (one DPoP key, one set of nonces, one event guard).
 * @internal
 */
export const settingsOf = Symbol('settingsOf');

/**
 * Gets, holds and renews the client's token. A {@link Client} has one (`client.clientCredentialsAuthManager`)
 * and hands it to `oAuthTokenProvider`; it also stands alone, for callers that only need tokens.
 */
export interface ClientCredentialsAuthManager extends AsyncDisposableByClose {}

export class ClientCredentialsAuthManager {
  readonly #settings: Settings;
  readonly #secrets = new KnownSecrets();
  readonly #endpoints: EndpointResolver | undefined;
  readonly #endpoint: EndpointTokenSource | undefined;
  readonly #tokens: ReusingTokenSource;
  /** Whether `oAuthTokenProvider` is running synchronously: a `getToken()` from it then waits for itself. */
  #inProvider = false;
  #closed = false;

  constructor(configuration: ClientConfiguration) {
    const settings = resolveSettings(configuration);
    this.#settings = settings;
    this.#endpoints = createEndpoints(settings, this.#secrets);
    const endpoints = this.#endpoints;
    this.#endpoint =
      endpoints &&
      new EndpointTokenSource({
        endpoint: endpoints.token,
        retry: settings.retry,
        defaultLifetime: settings.defaultLifetime,
        emit: settings.emit,
      });
    if (settings.initialToken) this.#secrets.addToken(settings.initialToken.token);
    const { provider, providerTimeout, emit } = settings;
    const source: TokenSource = provider
      ? boundedTokenSource(
          { token: () => this.#callProvider(provider) },
          providerTimeout,
          () =>
            new TimeoutError(
              `oAuthTokenProvider did not settle within ${providerTimeout} ms (tokenProviderTimeout); the next call asks it again. A provider that awaits getToken() waits for itself: call fetchToken() instead.`,
            ),
        )
      : { token: () => this.#fetchLease({}) };
    this.#tokens = new ReusingTokenSource({
      source: settings.store ? sharedTokenSource(source, settings) : source,
      sourceName: provider ? 'oAuthTokenProvider' : 'the token endpoint',
      initial: settings.initialToken,
      clockSkew: settings.clockSkew,
      emit,
      closedError: closed,
      onNewToken: ({ token, fromStore }) => {
        this.#secrets.addToken(token);
        const { accessToken: _secret, refreshToken: _alsoSecret, ...summary } = token;
        emit({ type: 'token-updated', source: fromStore ? 'store' : provider ? 'provider' : 'endpoint', token: summary });
        // The process that fetched a token reports it; the others adopted it from the store.
        if (!fromStore) this.#notifyTokenUpdate(token);
      },
    });
  }

  /** The token held now, valid or not (`undefined` before the first). Use {@link getToken} for one to send. */
  get token(): OAuthToken | undefined {
    return this.#tokens.current;
  }

  /**
   * A token valid for at least the clock skew: the one held, or a new one from the provider or the endpoint.
   * Concurrent callers share one request. Aborting `signal` ends only this caller's wait.
   */
  async getToken(options: { signal?: AbortSignal } = {}): Promise<OAuthToken> {
    if (this.#inProvider && !this.#tokens.ready()) {
      throw new ConfigurationError('oAuthTokenProvider called getToken(), which waits for oAuthTokenProvider itself. Call fetchToken() for a new token.');
    }
    return (await this.#tokens.token(options.signal)).token;
  }

  /**
   * The token {@link getToken} would return at once, for code that cannot wait: the held token while it
   * is usable (starting a background renewal when one is due, as `getToken` does), else `undefined`.
   */
  readyToken(): OAuthToken | undefined {
    return this.#tokens.ready()?.token;
  }

  /**
   * Requests a new token from the token endpoint, bypassing the provider and the held token, which it does
   * not replace: return it from `oAuthTokenProvider`, or pass it to `withConfiguration`, to use it.
   * Concurrent calls with the same parameters share one request.
   */
  async fetchToken(additionalParams: AdditionalTokenParams = {}): Promise<OAuthToken> {
    if (this.#closed) throw closed();
    return (await keepingAlive(this.#fetchLease(additionalParams))).token;
  }

  /**
   * Revokes `token` (default: the one held) at the revocation endpoint (RFC 7009), with the client's own
   * authentication, retried like a token request; then stops using it, so the next call gets a new one.
   * Resolves once the server has answered 2xx; does nothing when there is no token. The endpoint is
   * `revocationUrl`, or the issuer's `revocation_endpoint`.
   */
  async revokeToken(token: OAuthToken | undefined = this.token): Promise<void> {
    if (this.#closed) throw closed();
    if (token === undefined) return;
    if (!this.#endpoints) throw new ConfigurationError('revokeToken needs oAuthClientId and a credential, as token requests do.');
    const revocation = await this.#endpoints.revocation();
    if (!revocation) {
      throw new ConfigurationError('No revocation endpoint: set revocationUrl, or issuer when the server lists a revocation_endpoint in its metadata.');
    }
    const { retry, emit } = this.#settings;
    // Loaded here, not with the client: a client that never revokes never loads it (nor bundles it at start-up).
    const { revokeToken: requestRevocation } = await import('../protocol/revocation.ts');
    await keepingAlive(withRetries(() => requestRevocation(revocation, token.accessToken, 'access_token'), retry, (notice) => emit({ type: 'token-request-retry', ...notice })));
    // Gone from a shared store too before this resolves: a process that exits next must not leave it there.
    await this.#tokens.drop(token);
  }

  /**
   * Ends the client's token work: waits for a renewal under way, starts no other, and makes every later
   * call that needs a token reject with a {@link ClientClosedError}. Nothing of the client then holds the
   * process open. Also `await using manager = new ClientCredentialsAuthManager(...)`.
   */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#tokens.close();
  }

  static {
    disposeByClose(this);
  }

  /** Whether `token` is a usable Bearer token that is not expired by this client's clock skew. */
  isValid(token: unknown): token is OAuthToken {
    try {
      return !this.isExpired(leaseToken(token, Date.now(), this.#settings.defaultLifetime, tokenTypesFor(this.#settings.dpop)).token, this.#settings.clockSkew);
    } catch {
      return false;
    }
  }

  /** Whether `token` has expired, or will within `clockSkew` seconds (default: this client's, else 0). */
  isExpired(token: Pick<OAuthToken, 'expiry'>, clockSkew = this.#settings.clockSkew ?? 0): boolean {
    return isTokenExpired(token, clockSkew, Date.now());
  }

  /**
   * Stops using `token` because the API refused it (HTTP 401), so the next {@link getToken} gets a new
   * one. Has no effect unless `token` is the one held now; returns whether it had.
   */
  invalidateToken(token: OAuthToken): boolean {
    return this.#tokens.invalidate(token);
  }

  #fetchLease(additionalParams: AdditionalTokenParams): Promise<TokenLease> {
    if (!this.#endpoint) {
      return Promise.reject(
        new ConfigurationError(
          'No way to get a new token: configure tokenUrl, oAuthClientId and oAuthClientSecret, or an oAuthTokenProvider.',
        ),
      );
    }
    return this.#endpoint.request(tokenParams(this.#settings, additionalParams));
  }

  /**
   * The headers that authorize one request to `url` with a valid token, for a caller with its own HTTP
   * stack (`client.fetch` does this itself): `Authorization: Bearer …`, or for a DPoP token
   * `Authorization: DPoP …` and a fresh `DPoP` proof for `method` and `url` (RFC 9449 §7), made anew for
   * every request. Send them only to the API the token is for.
   */
  async authorizationHeaders(method: string, url: string | URL): Promise<Record<string, string>> {
    const token = await this.getToken();
    const { dpop } = this.#settings;
    if (token.tokenType !== 'DPoP' || !dpop) return { authorization: `Bearer ${token.accessToken}` };
    return { authorization: `DPoP ${token.accessToken}`, dpop: await dpop.proof(method, new URL(url), token.accessToken) };
  }

  /**
   * Keeps the DPoP nonce (RFC 9449 §8, §9) that a response from `url` carries in its `DPoP-Nonce` header,
   * so that the next proof {@link authorizationHeaders} makes for that server carries it. For a caller with
   * its own HTTP stack: hand it every response (a 401 `use_dpop_nonce` included, then send again with new
   * headers); `client.fetch` does this itself. Without `dpop` it does nothing.
   */
  rememberDpopNonce(url: string | URL, headers: Headers): void {
    this.#settings.dpop?.remember(new URL(url), headers);
  }

  /** @internal See `settingsOf` above. */
  [settingsOf](): Settings {
    return this.#settings;
  }

  /** @internal The token `withConfiguration` may hand on (see `transferableToken` above). */
  [transferableToken](): OAuthToken | undefined {
    return this.#tokens.transferable?.token;
  }

  async #callProvider(provider: NonNullable<Settings['provider']>): Promise<TokenLease> {
    let returned: ReturnType<typeof provider>;
    this.#inProvider = true;
    try {
      returned = provider(this.token, this);
    } finally {
      this.#inProvider = false;
    }
    return this.#leaseFromProvider(await returned);
  }

  #leaseFromProvider(returned: unknown): TokenLease {
    try {
      return leaseToken(returned, Date.now(), this.#settings.defaultLifetime, tokenTypesFor(this.#settings.dpop));
    } catch (error) {
      if (error instanceof InvalidTokenError) throw new InvalidTokenError(`oAuthTokenProvider returned an unusable token: ${error.message}`);
      throw error;
    }
  }

  /** The user's callback must never fail the API call nor, by rejecting, crash the process. */
  #notifyTokenUpdate(token: OAuthToken): void {
    const callback = this.#settings.onTokenUpdate;
    if (!callback) return;
    const report = (error: unknown) => this.#settings.emit({ type: 'callback-error', callback: 'oAuthOnTokenUpdate', error });
    try {
      Promise.resolve(callback(token)).catch(report);
    } catch (error) {
      report(error);
    }
  }

  /** Keeps secrets out of `util.inspect` and console output; `#private` fields are never shown anyway. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    const { clientId, tokenUrl, issuer } = this.#settings;
    return `ClientCredentialsAuthManager { clientId: ${JSON.stringify(clientId)}, tokenUrl: ${JSON.stringify(tokenUrl?.href)}, issuer: ${JSON.stringify(issuer)} }`;
  }
}

const closed = () => new ClientClosedError('The client was closed with close(); make a new one to get tokens again.');

/** The endpoints this client talks to, resolved on first need; `undefined` when it has no client id to authenticate with. */
function createEndpoints(settings: Settings, secrets: KnownSecrets): EndpointResolver | undefined {
  const { authentication } = settings;
  if (!authentication) return undefined;
  secrets.addCredentials(authentication.secrets);
  return resolveEndpoints({
    authentication,
    tokenUrl: settings.tokenUrl,
    revocationUrl: settings.revocationUrl,
    issuer: settings.issuer,
    // Loaded on first need, so that a client configured with tokenUrl never loads discovery.
    discover: async (issuer) => {
      const { discoverAuthorizationServer } = await import('../protocol/discovery.ts');
      return discoverAuthorizationServer(new URL(issuer), { fetch: settings.fetch, timeout: settings.timeout, scrub: secrets.scrub });
    },
    requireSafeUrl: (url, name) => requireSafeUrl(url, name, settings.allowInsecureHttp),
    mtls: settings.mtls,
    dpop: settings.dpop,
    timeout: settings.timeout,
    fetch: settings.fetch,
    scrub: secrets.scrub,
    retry: settings.retry,
    emit: settings.emit,
  });
}

/**
 * The source behind a shared store: reads it first, and fetches from `source` for the fleet when it holds
 * the lock. The lock's lease is one request timeout; a waiter waits as long as the holder's source may take
 * (the provider's deadline, or a request with every retry). Loaded on first need, so that a client without a
 * store never loads (nor bundles at start-up) it; should loading fail, the client goes on without the store.
 */
function sharedTokenSource(source: TokenSource, settings: Settings): TokenSource {
  const store = settings.store!;
  const { clockSkew, timeout, retry, dpop, emit, provider, providerTimeout } = settings;
  let shared: Promise<TokenSource> | undefined;
  const load = () =>
    (shared ??= Promise.all([import('../lifecycle/shared-token-source.ts'), import('../stores/token-vault.ts')]).then(
      ([{ SharedTokenSource }, { openVault }]) =>
        new SharedTokenSource({
          source,
          store: store.store,
          storeTimeout: store.timeout,
          leaseMs: timeout,
          maxWaitMs: provider ? providerTimeout : longestRetriedDuration(retry, timeout) + timeout,
          // Jitter-free, so at its earliest: a token this process found due for renewal is never adopted again.
          isFresh: (lease) => Date.now() < scheduleRenewal(lease, clockSkew, () => 0).renewAt,
          vault: async () =>
            openVault({
              identity: tokenIdentity(settings),
              dpopThumbprint: await dpop?.key.thumbprint(),
              sealing: store.sealing,
              secretMaterial: store.secretMaterial,
              tokenTypes: tokenTypesFor(dpop),
              defaultLifetime: settings.defaultLifetime,
            }),
          emit,
          closedError: closed,
        }),
      (error: unknown) => {
        emit({ type: 'store-failed', operation: 'get', error });
        return source;
      },
    ));
  return {
    token: () => load().then((loaded) => loaded.token()),
    discard: (token) => load().then((loaded) => loaded.discard?.(token)),
    close: async () => (await shared)?.close?.(),
  };
}

/**
 * The body parameters after `grant_type`: scope (only when there are scopes), the resources, then the caller's extras
 * sorted by name, so that the same parameters given in another order make the same request and share it.
 */
function tokenParams({ scopes, resources }: Settings, additionalParams: AdditionalTokenParams): URLSearchParams {
  if (typeof additionalParams !== 'object' || additionalParams === null) {
    throw new ConfigurationError('fetchToken takes an object of token request parameters, each a string or an array of strings.');
  }
  const params = new URLSearchParams();
  if (scopes.length > 0) params.set('scope', scopes.join(' '));
  for (const resource of resources) params.append('resource', resource);
  for (const name of Object.keys(additionalParams).sort()) {
    if (RESERVED_PARAMS.has(name)) throw new ConfigurationError(`The token request parameter "${name}" is set by the library and cannot be overridden.`);
    const value: unknown = additionalParams[name];
    const values = typeof value === 'string' ? [value] : value;
    if (!Array.isArray(values) || !values.every((item) => typeof item === 'string')) {
      throw new ConfigurationError(`The token request parameter "${name}" must be a string or an array of strings.`);
    }
    params.delete(name);
    for (const item of values) params.append(name, item);
  }
  return params;
}
