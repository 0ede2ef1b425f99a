import { ConfigurationError, InvalidTokenError } from '../errors.ts';
import { optionalFunction, optionalText } from '../options.ts';
import { safeEmitter, type Emit, type OAuthEventListener } from '../events.ts';
import { DEFAULT_RETRY_POLICY, longestRetriedDuration, type RetryPolicy } from '../lifecycle/retry.ts';
import type { TokenEndpointAuthMethod } from '../protocol/client-authentication/client-authentication.ts';
import { authenticationSettings, type AuthenticationSettings } from '../protocol/client-authentication/settings.ts';
import { CLIENT_CERTIFICATE } from '../protocol/client-authentication/tls-client-auth.ts';
import type { PrivateKeyInput } from '../keys/key-shape.ts';
import { dpopKey, type DpopOption } from '../keys/dpop-key.ts';
import { DpopSession, tokenTypesFor } from '../protocol/dpop.ts';
import { storeSettingsOf, type StoreSettings } from '../stores/store-settings.ts';
import type { TokenStore } from '../stores/token-store.ts';
import { leaseToken, type OAuthToken, type OAuthTokenInput, type TokenLease } from '../token.ts';
import type { ClientCredentialsAuthManager } from './auth-manager.ts';

/**
 * Supplies tokens instead of the token endpoint, e.g. from a database shared by several processes. It is
 * called whenever there is no valid token (`lastOAuthToken` is `undefined` the first time), and may call
 * `authManager.fetchToken()` to get one from the endpoint. What it returns is checked: a malformed or
 * expired token is an error for the caller, not a reason to call the provider again.
 */
export type OAuthTokenProvider = (
  lastOAuthToken: OAuthToken | undefined,
  authManager: ClientCredentialsAuthManager,
) => Promise<OAuthTokenInput> | OAuthTokenInput;

/** The credentials object of the seeds' SDKs. Every field is optional, but something must supply tokens. */
export interface ClientCredentialsAuthCredentials {
  /** The client id the authorization server knows this client by. */
  readonly oAuthClientId?: string;
  /** The client's secret: sent only to `tokenUrl`, never in an event, an error or `JSON.stringify(configuration)`. */
  readonly oAuthClientSecret?: string;
  /**
   * private_key_jwt (RFC 7523): the private key that signs each client assertion — a `CryptoKey`, a
   * private JWK object, or a PKCS#8 PEM string. Checked by the constructor; never shown anywhere.
   */
  readonly oAuthPrivateKey?: PrivateKeyInput;
  /** The `kid` of {@link oAuthPrivateKey}, put in each assertion's header when the server needs it to pick the key. */
  readonly oAuthPrivateKeyId?: string;
  /**
   * The JWS algorithm of the assertions. Default: from the key (RSA → RS256, P-256 → ES256, P-384 → ES384,
   * P-521 → ES512, Ed25519 → EdDSA); HS256 for client_secret_jwt.
   */
  readonly oAuthSigningAlgorithm?: string;
  /**
   * A ready-made client assertion (workload identity: a Kubernetes service-account token, a cloud identity
   * token), called for every token request so that a rotated one is always the one sent.
   */
  readonly oAuthClientAssertion?: () => string | Promise<string>;
  /** RFC 8707 resource indicators: each sent as a `resource` parameter; an absolute URI without a fragment. */
  readonly oAuthResource?: string | readonly string[];
  /** Sent space-delimited as `scope`; no `scope` parameter at all when absent or empty. */
  readonly oAuthScopes?: readonly string[];
  /** A token to start from, e.g. one saved by `oAuthOnTokenUpdate`. An expired one is replaced on first use. */
  readonly oAuthToken?: OAuthTokenInput;
  /** Called instead of the token endpoint whenever there is no valid token; see {@link OAuthTokenProvider}. */
  readonly oAuthTokenProvider?: OAuthTokenProvider;
  /**
   * Called once for each new token, from the endpoint or the provider, e.g. to save it. If it throws or
   * rejects, the API call still succeeds and the error is reported as a `callback-error` event.
   */
  readonly oAuthOnTokenUpdate?: (token: OAuthToken) => void | Promise<void>;
  /**
   * Seconds before expiry at which a token stops being used. Without it the margin is 10% of the token's
   * lifetime, at least 1 s and at most 10 s. A skew over half a token's lifetime is capped at half for that token.
   */
  readonly oAuthClockSkew?: number | bigint;
}

/** Everything a {@link Client} (or a standalone {@link ClientCredentialsAuthManager}) is built from. */
export interface ClientConfiguration {
  /** Where the API lives, optionally with a path prefix. The token is only ever sent to this origin. */
  readonly baseUrl?: string | URL;
  /** The token endpoint. Needed whenever tokens are fetched rather than only handed in, unless `issuer` is given. */
  readonly tokenUrl?: string | URL;
  /**
   * The authorization server's issuer identifier: its metadata (RFC 8414) is fetched on first need and
   * supplies the token endpoint (unless `tokenUrl` is given, which wins), the revocation endpoint and, when
   * no `tokenEndpointAuthMethod` is given, the method. It is also the audience of client assertions.
   */
  readonly issuer?: string | URL;
  /** The revocation endpoint (RFC 7009), for `revokeToken()`; discovered when `issuer` is given. */
  readonly revocationUrl?: string | URL;
  /**
   * How the client authenticates. Default: chosen from the credentials configured and, with `issuer`, what
   * the server supports — the first of private_key_jwt, tls_client_auth, client_secret_basic,
   * client_secret_post that both allow.
   */
  readonly tokenEndpointAuthMethod?: TokenEndpointAuthMethod;
  /**
   * Whether client_secret_basic form-urlencodes the id and secret before base64, as RFC 6749 §2.3.1
   * requires. Default `true`; `false` is for servers that do not decode them (only ids and secrets with
   * `:`, `%`, `+`, spaces or non-ASCII characters are affected).
   */
  readonly encodeBasicCredentials?: boolean;
  /**
   * Milliseconds each HTTP request may take. Default 30 000. A token request must complete, body
   * included; an API request must deliver its response headers (its body is then yours to read, bounded
   * by your own `signal` and, on Node, by this same timeout for each silence between its chunks).
   */
  readonly timeout?: number;
  /** Attempts per token request on network errors, timeouts, 429 and 5xx; 1 turns retries off. Default 3. */
  readonly tokenRequestAttempts?: number;
  /**
   * Milliseconds `oAuthTokenProvider` may take to settle. Past it, the callers waiting get a
   * `TimeoutError`, what the provider returns later is ignored, and the next call asks it again.
   * Default: enough for the provider to call `fetchToken` and have every attempt time out after the
   * longest backoff, plus one `timeout` for its own work: `(tokenRequestAttempts + 1) × timeout +
   * (tokenRequestAttempts − 1) × 10 s`, 140 s with the other defaults.
   */
  readonly tokenProviderTimeout?: number;
  /** Seconds a token is taken to live when the server sends no `expires_in` (or none is stored). Default 300. */
  readonly defaultTokenLifetime?: number;
  /** Allows `http://` to hosts other than loopback. Credentials and tokens then cross the network in clear text. */
  readonly allowInsecureHttp?: boolean;
  /**
   * Sender-constrained tokens with DPoP (RFC 9449): `true` for a fresh, non-extractable ES256 key pair for
   * this client, or `{ keyPair, algorithm?, allowBearerDowngrade? }`. Every token request and every API
   * request then carries a proof; the token is sent as `Authorization: DPoP`.
   */
  readonly dpop?: DpopOption;
  /** The fetch implementation to use; default the global `fetch`. */
  readonly fetch?: typeof fetch;
  /**
   * Shares tokens with other processes, or other clients of this one: `MemoryTokenStore` (one process),
   * `FileTokenStore` (one machine, from `oauth-ccg/file`), `RedisTokenStore` (a fleet, from
   * `oauth-ccg/redis`) or your own {@link TokenStore}. The store is read before a token is fetched, and one
   * process fetches for all; a cached call never touches it, and a call never fails because it does.
   */
  readonly tokenStore?: TokenStore;
  /** Milliseconds each call to `tokenStore` may take before the client goes on without it for a while. Default 1000. */
  readonly tokenStoreTimeout?: number;
  /** Receives every {@link OAuthEvent}: token requests, retries, renewals, failures, callback errors. */
  readonly onEvent?: OAuthEventListener;
  /** The client's credentials, and how tokens are provided and reported: the SDKs' credentials object. */
  readonly clientCredentialsAuthCredentials: ClientCredentialsAuthCredentials;
}

const DEFAULTS = {
  timeout: 30_000,
  tokenRequestAttempts: DEFAULT_RETRY_POLICY.attempts,
  defaultTokenLifetime: 300,
} as const;

/** A configuration checked and reduced to what the library runs on. */
export interface Settings {
  readonly baseUrl: URL | undefined;
  readonly tokenUrl: URL | undefined;
  /** The issuer identifier exactly as configured (issuers compare as strings, RFC 8414 §3.3). */
  readonly issuer: string | undefined;
  readonly revocationUrl: URL | undefined;
  readonly allowInsecureHttp: boolean;
  /** How the client authenticates to the token endpoint; `undefined` without a client id. */
  readonly authentication: AuthenticationSettings | undefined;
  /** Whether the fetch presents a client certificate (mtlsFetch says so): mTLS endpoint aliases are then used. */
  readonly mtls: boolean;
  /** The DPoP key and nonces, when `dpop` is configured. */
  readonly dpop: DpopSession | undefined;
  readonly timeout: number;
  readonly retry: RetryPolicy;
  readonly defaultLifetime: number;
  readonly fetch: typeof fetch;
  readonly emit: Emit;
  readonly clientId: string | undefined;
  readonly clientSecret: string | undefined;
  readonly scopes: readonly string[];
  readonly resources: readonly string[];
  readonly clockSkew: number | undefined;
  readonly initialToken: TokenLease | undefined;
  readonly provider: OAuthTokenProvider | undefined;
  readonly providerTimeout: number;
  readonly onTokenUpdate: ((token: OAuthToken) => void | Promise<void>) | undefined;
  /** The shared token store, when one is configured. */
  readonly store: StoreSettings | undefined;
}

/** Validates a configuration; every problem is a {@link ConfigurationError} that says what to change. */
export function resolveSettings(configuration: ClientConfiguration): Settings {
  const credentials = configuration.clientCredentialsAuthCredentials;
  if (typeof credentials !== 'object' || credentials === null) {
    throw new ConfigurationError('clientCredentialsAuthCredentials is required.');
  }
  const allowInsecureHttp = configuration.allowInsecureHttp === true;
  const clientId = optionalText(credentials.oAuthClientId, 'oAuthClientId');
  const clientSecret = optionalText(credentials.oAuthClientSecret, 'oAuthClientSecret');
  const fetchImplementation = configuration.fetch;
  if (fetchImplementation !== undefined && typeof fetchImplementation !== 'function') throw new ConfigurationError('fetch must be a function.');
  const mtls = (fetchImplementation as { [CLIENT_CERTIFICATE]?: unknown } | undefined)?.[CLIENT_CERTIFICATE] === true;
  const authentication = authenticationSettings({
    method: configuration.tokenEndpointAuthMethod,
    clientId,
    clientSecret,
    privateKey: credentials.oAuthPrivateKey,
    privateKeyId: credentials.oAuthPrivateKeyId,
    signingAlgorithm: credentials.oAuthSigningAlgorithm,
    assertion: credentials.oAuthClientAssertion,
    encodeBasicCredentials: configuration.encodeBasicCredentials !== false,
    clientCertificate: mtls ? 'mtls' : fetchImplementation ? 'custom' : 'none',
  });
  const dpop = dpopSessionOf(configuration.dpop);
  const tokenUrl = endpointUrl(configuration.tokenUrl, 'tokenUrl', allowInsecureHttp);
  const issuer = issuerOf(configuration.issuer, allowInsecureHttp);
  if (configuration.tokenStore !== undefined && (clientId === undefined || (tokenUrl === undefined && issuer === undefined))) {
    // The store key is the token's identity: without these, every such client would share one token, whatever API it is for.
    throw new ConfigurationError('tokenStore needs oAuthClientId and tokenUrl (or issuer): they name the token it shares, which a token provider alone does not.');
  }
  if (authentication && tokenUrl === undefined && issuer === undefined) {
    throw new ConfigurationError('tokenUrl (or issuer, to discover it) is required to fetch tokens with oAuthClientId.');
  }
  const defaultLifetime = positive(configuration.defaultTokenLifetime ?? DEFAULTS.defaultTokenLifetime, 'defaultTokenLifetime');
  const attempts = configuration.tokenRequestAttempts ?? DEFAULTS.tokenRequestAttempts;
  if (!Number.isInteger(attempts) || attempts < 1) throw new ConfigurationError('tokenRequestAttempts must be a whole number of at least 1.');
  const timeout = timerDelay(configuration.timeout ?? DEFAULTS.timeout, 'timeout');
  const retry: RetryPolicy = { ...DEFAULT_RETRY_POLICY, attempts };

  return {
    baseUrl: baseUrlOf(configuration.baseUrl, allowInsecureHttp),
    tokenUrl,
    issuer,
    revocationUrl: endpointUrl(configuration.revocationUrl, 'revocationUrl', allowInsecureHttp),
    allowInsecureHttp,
    authentication,
    mtls,
    dpop,
    timeout,
    retry,
    defaultLifetime,
    // Called unbound: some runtimes throw "Illegal invocation" when fetch runs with another `this`.
    fetch: fetchImplementation ?? ((input, init) => globalThis.fetch(input, init)),
    emit: safeEmitter(configuration.onEvent),
    clientId,
    clientSecret,
    scopes: scopesOf(credentials.oAuthScopes),
    resources: resourcesOf(credentials.oAuthResource),
    clockSkew: clockSkewOf(credentials.oAuthClockSkew),
    initialToken: initialTokenOf(credentials.oAuthToken, defaultLifetime, tokenTypesFor(dpop)),
    provider: optionalFunction(credentials.oAuthTokenProvider, 'oAuthTokenProvider'),
    providerTimeout:
      configuration.tokenProviderTimeout === undefined
        ? // Room for the provider to call fetchToken through every attempt, and one timeout of its own work.
          Math.min(longestRetriedDuration(retry, timeout) + timeout, MAX_TIMER_DELAY)
        : timerDelay(configuration.tokenProviderTimeout, 'tokenProviderTimeout'),
    onTokenUpdate: optionalFunction(credentials.oAuthOnTokenUpdate, 'oAuthOnTokenUpdate'),
    store: storeSettingsOf({
      tokenStore: configuration.tokenStore,
      tokenStoreTimeout: configuration.tokenStoreTimeout,
      clientSecret,
      privateKey: credentials.oAuthPrivateKey,
    }),
  };
}

function positive(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw new ConfigurationError(`${name} must be a positive number.`);
  return value;
}

/** Timers fire at once, not never, past 2³¹ − 1 ms (24.8 days): a longer timeout would time out every request. */
const MAX_TIMER_DELAY = 2 ** 31 - 1;

function timerDelay(value: unknown, name: string): number {
  const delay = positive(value, name);
  if (delay > MAX_TIMER_DELAY) throw new ConfigurationError(`${name} must be at most ${MAX_TIMER_DELAY} ms (24.8 days).`);
  return delay;
}

/**
 * Credentials and tokens only travel over TLS, except to this machine's loopback interface (where a test
 * server or a sidecar lives) or when the user explicitly accepts the risk.
 */
function optionalUrl(value: string | URL | undefined, name: string, allowInsecureHttp: boolean): URL | undefined {
  if (value === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigurationError(`${name} is not an absolute URL.`);
  }
  requireSafeUrl(url, name, allowInsecureHttp);
  return url;
}

/** The rules every URL that credentials or tokens go to must meet, configured or discovered. */
export function requireSafeUrl(url: URL, name: string, allowInsecureHttp: boolean): void {
  if (url.username || url.password) throw new ConfigurationError(`${name} must not contain credentials; use clientCredentialsAuthCredentials.`);
  if (url.protocol === 'https:') return;
  if (url.protocol !== 'http:') throw new ConfigurationError(`${name} must be an https URL.`);
  if (!isLoopback(url.hostname) && !allowInsecureHttp) {
    throw new ConfigurationError(
      `${name} ${url.origin} is plain http: credentials and tokens would cross the network unencrypted. Use https, or set allowInsecureHttp: true if you accept that.`,
    );
  }
}

/** RFC 6749 §3.2 and RFC 7009 §2: an endpoint URI may have a query, which is kept, but no fragment. */
function endpointUrl(value: string | URL | undefined, name: string, allowInsecureHttp: boolean): URL | undefined {
  const url = optionalUrl(value, name, allowInsecureHttp);
  if (url?.href.includes('#')) throw new ConfigurationError(`${name} must not have a fragment (#…).`);
  return url;
}

/** RFC 8414 §2: an https URL with no query or fragment, kept as the text given, since issuers compare as strings. */
function issuerOf(value: string | URL | undefined, allowInsecureHttp: boolean): string | undefined {
  const url = optionalUrl(value, 'issuer', allowInsecureHttp);
  if (url === undefined) return undefined;
  if (/[?#]/.test(url.href)) throw new ConfigurationError('issuer must not have a query or fragment (RFC 8414 §2).');
  return typeof value === 'string' ? value : url.href;
}

/**
 * Relative paths are appended to the base URL's text, so a query or fragment in it would end up in the
 * middle of every URL built from it (`/v2?api-version=1` + `/things` → `/v2?api-version=1/things`).
 */
function baseUrlOf(value: string | URL | undefined, allowInsecureHttp: boolean): URL | undefined {
  const url = optionalUrl(value, 'baseUrl', allowInsecureHttp);
  if (url && /[?#]/.test(url.href)) {
    throw new ConfigurationError(
      "baseUrl must not have a query (?…) or fragment (#…): paths are appended to it. Give query parameters with each request instead, e.g. client.fetch('/things?api-version=1').",
    );
  }
  return url;
}

/**
 * `hostname` as URL writes it: IPv6 in brackets, IPv4 normalised to dotted decimal. Names under
 * `.localhost` are not here: resolvers differ (RFC 6761 lets them, most send them to DNS), so only the
 * name `localhost` itself and literal loopback addresses are known to stay on this machine.
 */
function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

/** RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ). */
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/;

function scopesOf(value: unknown): readonly string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new ConfigurationError('oAuthScopes must be an array of strings.');
  for (const scope of value) {
    if (typeof scope !== 'string' || !SCOPE_TOKEN.test(scope)) {
      throw new ConfigurationError(`oAuthScopes has an invalid scope ${JSON.stringify(scope)}: each must be one word of printable ASCII without quotes or backslashes.`);
    }
  }
  return Object.freeze([...new Set<string>(value)]);
}

/** RFC 8707 §2: each resource an absolute URI without a fragment; the same one twice is sent once. */
function resourcesOf(value: unknown): readonly string[] {
  if (value === undefined) return [];
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list)) throw new ConfigurationError('oAuthResource must be a URI or an array of URIs.');
  for (const resource of list) {
    let url: URL | undefined;
    try {
      url = typeof resource === 'string' ? new URL(resource) : undefined;
    } catch {
      url = undefined;
    }
    if (!url || resource.includes('#')) {
      throw new ConfigurationError(`oAuthResource ${JSON.stringify(resource)} is not an absolute URI without a fragment (RFC 8707 §2), e.g. "https://api.example.com".`);
    }
  }
  return Object.freeze([...new Set<string>(list as string[])]);
}

function dpopSessionOf(option: DpopOption | undefined): DpopSession | undefined {
  if (option === undefined) return undefined;
  return new DpopSession(dpopKey(option), option !== true && option.allowBearerDowngrade === true);
}

function clockSkewOf(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  const seconds = typeof value === 'bigint' ? Number(value) : value;
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) {
    throw new ConfigurationError('oAuthClockSkew must be a number of seconds, zero or more.');
  }
  return seconds;
}

function initialTokenOf(value: OAuthTokenInput | undefined, defaultLifetime: number, tokenTypes: readonly string[]): TokenLease | undefined {
  if (value === undefined) return undefined;
  try {
    return leaseToken(value, Date.now(), defaultLifetime, tokenTypes);
  } catch (error) {
    if (error instanceof InvalidTokenError) throw new ConfigurationError(`oAuthToken cannot be used: ${error.message}`);
    throw error;
  }
}

/**
 * The token's identity: the parts of a configuration that shape which token is issued, in one canonical
 * text (scopes and resources sorted, as their order changes nothing). While it is the same, a token can be
 * reused: by `withConfiguration`, and by the processes sharing a store, whose key is its digest. It holds
 * no secret (a token belongs to the client id, not to one of its secrets); the DPoP key, which a bound
 * token needs, is compared apart (by reference here, by thumbprint in the store).
 */
export function tokenIdentity(settings: Settings): string {
  return JSON.stringify({
    endpoint: settings.tokenUrl?.href ?? null,
    issuer: settings.issuer ?? null,
    clientId: settings.clientId ?? null,
    method: settings.authentication?.method ?? settings.authentication?.allowed ?? null,
    scopes: [...settings.scopes].sort(),
    resources: [...settings.resources].sort(),
    dpop: settings.dpop !== undefined,
  });
}
