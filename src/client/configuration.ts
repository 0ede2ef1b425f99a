import { ConfigurationError, InvalidTokenError } from '../errors.ts';
import { safeEmitter, type Emit, type OAuthEventListener } from '../events.ts';
import { DEFAULT_RETRY_POLICY, longestRetriedDuration, type RetryPolicy } from '../lifecycle/retry.ts';
import type { TokenEndpointAuthMethod } from '../protocol/client-authentication/client-authentication.ts';
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
  /** The token endpoint. Needed whenever tokens are fetched rather than only handed in. */
  readonly tokenUrl?: string | URL;
  /** Default `client_secret_basic`. */
  readonly tokenEndpointAuthMethod?: TokenEndpointAuthMethod;
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
  /** The fetch implementation to use; default the global `fetch`. */
  readonly fetch?: typeof fetch;
  /** Receives every {@link OAuthEvent}: token requests, retries, renewals, failures, callback errors. */
  readonly onEvent?: OAuthEventListener;
  /** The client's credentials, and how tokens are provided and reported: the SDKs' credentials object. */
  readonly clientCredentialsAuthCredentials: ClientCredentialsAuthCredentials;
}

const DEFAULTS = {
  timeout: 30_000,
  tokenRequestAttempts: DEFAULT_RETRY_POLICY.attempts,
  defaultTokenLifetime: 300,
  tokenEndpointAuthMethod: 'client_secret_basic',
} as const;

/** A configuration checked and reduced to what the library runs on. */
export interface Settings {
  readonly baseUrl: URL | undefined;
  readonly tokenUrl: URL | undefined;
  readonly authMethod: TokenEndpointAuthMethod;
  readonly timeout: number;
  readonly retry: RetryPolicy;
  readonly defaultLifetime: number;
  readonly fetch: typeof fetch;
  readonly emit: Emit;
  readonly clientId: string | undefined;
  readonly clientSecret: string | undefined;
  readonly scopes: readonly string[];
  readonly clockSkew: number | undefined;
  readonly initialToken: TokenLease | undefined;
  readonly provider: OAuthTokenProvider | undefined;
  readonly providerTimeout: number;
  readonly onTokenUpdate: ((token: OAuthToken) => void | Promise<void>) | undefined;
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
  if ((clientId === undefined) !== (clientSecret === undefined)) {
    throw new ConfigurationError('Give both oAuthClientId and oAuthClientSecret, or neither.');
  }
  const tokenUrl = optionalUrl(configuration.tokenUrl, 'tokenUrl', allowInsecureHttp);
  // RFC 6749 §3.2: the endpoint URI may have a query, which is kept, but no fragment.
  if (tokenUrl?.href.includes('#')) throw new ConfigurationError('tokenUrl must not have a fragment (#…).');
  if (clientId !== undefined && tokenUrl === undefined) {
    throw new ConfigurationError('tokenUrl is required to fetch tokens with oAuthClientId and oAuthClientSecret.');
  }
  const authMethod = configuration.tokenEndpointAuthMethod ?? DEFAULTS.tokenEndpointAuthMethod;
  if (authMethod !== 'client_secret_basic' && authMethod !== 'client_secret_post') {
    throw new ConfigurationError(`tokenEndpointAuthMethod "${String(authMethod)}" is not supported; use client_secret_basic or client_secret_post.`);
  }
  const defaultLifetime = positive(configuration.defaultTokenLifetime ?? DEFAULTS.defaultTokenLifetime, 'defaultTokenLifetime');
  const attempts = configuration.tokenRequestAttempts ?? DEFAULTS.tokenRequestAttempts;
  if (!Number.isInteger(attempts) || attempts < 1) throw new ConfigurationError('tokenRequestAttempts must be a whole number of at least 1.');
  const timeout = timerDelay(configuration.timeout ?? DEFAULTS.timeout, 'timeout');
  const retry: RetryPolicy = { ...DEFAULT_RETRY_POLICY, attempts };
  const fetchImplementation = configuration.fetch;
  if (fetchImplementation !== undefined && typeof fetchImplementation !== 'function') throw new ConfigurationError('fetch must be a function.');

  return {
    baseUrl: baseUrlOf(configuration.baseUrl, allowInsecureHttp),
    tokenUrl,
    authMethod,
    timeout,
    retry,
    defaultLifetime,
    // Called unbound: some runtimes throw "Illegal invocation" when fetch runs with another `this`.
    fetch: fetchImplementation ?? ((input, init) => globalThis.fetch(input, init)),
    emit: safeEmitter(configuration.onEvent),
    clientId,
    clientSecret,
    scopes: scopesOf(credentials.oAuthScopes),
    clockSkew: clockSkewOf(credentials.oAuthClockSkew),
    initialToken: initialTokenOf(credentials.oAuthToken, defaultLifetime),
    provider: optionalFunction(credentials.oAuthTokenProvider, 'oAuthTokenProvider'),
    providerTimeout:
      configuration.tokenProviderTimeout === undefined
        ? // Room for the provider to call fetchToken through every attempt, and one timeout of its own work.
          Math.min(longestRetriedDuration(retry, timeout) + timeout, MAX_TIMER_DELAY)
        : timerDelay(configuration.tokenProviderTimeout, 'tokenProviderTimeout'),
    onTokenUpdate: optionalFunction(credentials.oAuthOnTokenUpdate, 'oAuthOnTokenUpdate'),
  };
}

function optionalText(value: unknown, name: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '') throw new ConfigurationError(`${name} must be a non-empty string.`);
  // A lone surrogate would be sent as U+FFFD: silently other credentials than the ones given.
  if (/\p{Cs}/u.test(value)) throw new ConfigurationError(`${name} is not well-formed Unicode.`);
  return value;
}

function optionalFunction<T>(value: T | undefined, name: string): T | undefined {
  if (value !== undefined && typeof value !== 'function') throw new ConfigurationError(`${name} must be a function.`);
  return value;
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
  if (url.username || url.password) throw new ConfigurationError(`${name} must not contain credentials; use clientCredentialsAuthCredentials.`);
  if (url.protocol === 'https:') return url;
  if (url.protocol !== 'http:') throw new ConfigurationError(`${name} must be an https URL.`);
  if (!isLoopback(url.hostname) && !allowInsecureHttp) {
    throw new ConfigurationError(
      `${name} ${url.origin} is plain http: credentials and tokens would cross the network unencrypted. Use https, or set allowInsecureHttp: true if you accept that.`,
    );
  }
  return url;
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

function clockSkewOf(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  const seconds = typeof value === 'bigint' ? Number(value) : value;
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) {
    throw new ConfigurationError('oAuthClockSkew must be a number of seconds, zero or more.');
  }
  return seconds;
}

function initialTokenOf(value: OAuthTokenInput | undefined, defaultLifetime: number): TokenLease | undefined {
  if (value === undefined) return undefined;
  try {
    return leaseToken(value, Date.now(), defaultLifetime);
  } catch (error) {
    if (error instanceof InvalidTokenError) throw new ConfigurationError(`oAuthToken cannot be used: ${error.message}`);
    throw error;
  }
}

/** The parts of a configuration that shape which token is issued: tokens can be reused while these match. */
export function tokenIdentity(settings: Settings): string {
  return JSON.stringify([settings.tokenUrl?.href, settings.authMethod, settings.clientId, settings.clientSecret, settings.scopes]);
}
