// The client's token on an axios instance's requests, by the same Authorizer as client.fetch. axios is only
// ever named as types here: the caller hands in its own instance, so this entry loads no copy of axios.
import type { AxiosInstance, AxiosResponse, InternalAxiosRequestConfig } from 'axios';
import type { Client } from '../client/client.ts';
import type { ResponseHead } from '../protocol/bearer-challenge.ts';
import { AUTHORIZATION_HEADER, isReplayable, type AuthorizationHeaders, type Authorizer, type RequestAuthorization } from '../transport/authorizer.ts';
import { clientAuthorizer } from './client-authorizer.ts';

/**
 * Authorizes the requests an axios instance sends to `client`'s API, as `client.fetch` does its own:
 *
 * - A request whose URL, as axios builds it from `baseURL`, `url` and `params`, is on the origin of the
 *   client's `baseUrl` carries `Authorization: Bearer …` (with DPoP, `Authorization: DPoP …` and a fresh
 *   proof). A request anywhere else carries no token.
 * - Concurrent first calls share one token request; later calls use the held token without waiting.
 * - When the API refuses the token (a 401 `invalid_token`), one new token is fetched for all the calls
 *   it refused and each is sent again, once; a DPoP nonce the API asks for is answered the same way. A
 *   request whose body is a stream cannot be sent again: its 401 is returned as it is.
 * - A redirect that axios follows to another origin (its Node http adapter does) goes there without the
 *   token or its proof.
 *
 * Attach it right after creating the instance, before interceptors of your own: axios runs request
 * interceptors in the reverse order they were added, so this one then sees the URL as it will be sent,
 * and it sees responses before your interceptors change them. A request sent again goes through the
 * instance's interceptors again, as any axios retry does. When no token can be had, the call rejects with
 * the token error (an `OAuthCcgError`), not an `AxiosError`.
 *
 * @param instance - An axios instance (from `axios.create`), or `axios` itself.
 * @param client - A {@link Client} with `baseUrl`.
 * @returns A function that detaches the client from the instance.
 * @throws {ConfigurationError} if the client has no `baseUrl`.
 *
 * @example
 * const api = axios.create({ baseURL: 'https://api.example.com/v2' });
 * attachClient(api, client);
 * const { data } = await api.get('/things'); // with "Authorization: Bearer …"
 */
export function attachClient(instance: AxiosInstance, client: Client): () => void {
  const authorizer = clientAuthorizer(client, 'attachClient');

  function authorizeRequest(config: InternalAxiosRequestConfig): InternalAxiosRequestConfig | Promise<InternalAxiosRequestConfig> {
    let request = authorizedRequestOf(config);
    if (request === undefined) {
      const url = urlOf(instance, config);
      if (url === undefined || !authorizer.authorizes(url)) return config;
      const signal = config.signal instanceof AbortSignal ? config.signal : undefined;
      request = new AuthorizedRequest(authorizer, authorizer.authorize(config.method ?? 'get', url, signal), config.beforeRedirect);
      (config as Carrier)[AUTHORIZED_REQUEST] = request;
    }
    request.redirectedTo = undefined;
    config.beforeRedirect = request.beforeRedirect;
    const headers = request.authorization.headers();
    return headers instanceof Promise ? headers.then((ready) => withHeaders(config, ready)) : withHeaders(config, headers);
  }

  /** The outcome of a response: `answer()` (the response, or its error), or the outcome of sending the request again. */
  function afterResponse(response: AxiosResponse, answer: () => AxiosResponse | Promise<never>): AxiosResponse | Promise<AxiosResponse> {
    const request = authorizedRequestOf(response.config);
    if (request === undefined) return answer();
    // By now axios has transformed the data into what it sent (an object into its JSON, say): that is what a replay sends.
    const replay = request.authorization.replay(responseHead(response), isReplayable(response.config.data), request.redirectedTo);
    if (replay === false) return answer();
    return replay.then((again) => (again ? instance.request(response.config) : answer()));
  }

  const requestInterceptor = instance.interceptors.request.use(authorizeRequest);
  const responseInterceptor = instance.interceptors.response.use(
    (response) => afterResponse(response, () => response),
    (error: unknown) => {
      const response = (error as { isAxiosError?: boolean; response?: AxiosResponse } | undefined)?.response;
      const reject = () => Promise.reject(withoutToken(error));
      return response !== undefined && (error as { isAxiosError?: boolean }).isAxiosError ? afterResponse(response, reject) : reject();
    },
  );
  return () => {
    instance.interceptors.request.eject(requestInterceptor);
    instance.interceptors.response.eject(responseInterceptor);
  };
}

/**
 * An error on its way to the caller, with the token and proof kept out of what `toJSON()`, `util.inspect`
 * and loggers print of it:
 * - taken out of the request headers axios keeps on it (`error.config.headers`); a config sent again goes
 *   through `authorizeRequest`, which sets them anew;
 * - the request itself (`error.request`, `error.response.request`: in Node, a `ClientRequest` that holds the
 *   header text as sent) made non-enumerable, so that printing the error does not descend into it. It is
 *   still there for code that reads it.
 */
function withoutToken(error: unknown): unknown {
  const { config, response } = (error ?? {}) as { config?: { headers?: unknown }; response?: { config?: { headers?: unknown } } };
  for (const headers of [config?.headers, response?.config?.headers]) {
    if (typeof headers !== 'object' || headers === null) continue;
    const record = headers as Record<string, unknown>;
    for (const name of Object.keys(record)) if (AUTHORIZATION_HEADER.test(name)) record[name] = '[redacted]';
  }
  for (const holder of [error, response]) {
    if (typeof holder === 'object' && holder !== null && Object.getOwnPropertyDescriptor(holder, 'request')?.configurable) {
      Object.defineProperty(holder, 'request', { enumerable: false });
    }
  }
  return error;
}

/**
 * Where a request's authorization travels with its config, into the copy axios makes of it for a replay.
 * A string key: axios merges a config into a new object, and its older 1.x versions copy no symbol-keyed property.
 */
const AUTHORIZED_REQUEST = 'oauthCcgAuthorizedRequest';

type Carrier = { [AUTHORIZED_REQUEST]?: AuthorizedRequest };

type BeforeRedirect = NonNullable<InternalAxiosRequestConfig['beforeRedirect']>;

function authorizedRequestOf(config: InternalAxiosRequestConfig | undefined): AuthorizedRequest | undefined {
  const request = (config as Carrier | undefined)?.[AUTHORIZED_REQUEST];
  return request instanceof AuthorizedRequest ? request : undefined;
}

/** One authorized request, through its replays: its authorization, and the redirects axios follows for it. */
class AuthorizedRequest {
  readonly authorization: RequestAuthorization;
  /** The URL the last redirect of the attempt under way led to, if it followed one. */
  redirectedTo: string | undefined;
  readonly #authorizer: Authorizer;
  /** The caller's own hook, called first; kept here so that a replay does not wrap ours around ours. */
  readonly #callerBeforeRedirect: BeforeRedirect | undefined;

  constructor(authorizer: Authorizer, authorization: RequestAuthorization, callerBeforeRedirect: BeforeRedirect | undefined) {
    this.#authorizer = authorizer;
    this.authorization = authorization;
    this.#callerBeforeRedirect = callerBeforeRedirect;
  }

  /**
   * follow-redirects keeps `Authorization` on a redirect to a subdomain and `DPoP` on any redirect: both
   * are dropped here at each hop off the API's origin, after the caller's own hook, so that it cannot put them back.
   */
  readonly beforeRedirect: BeforeRedirect = (options, responseDetails, requestDetails) => {
    this.#callerBeforeRedirect?.(options, responseDetails, requestDetails);
    const url = String(options.href);
    this.redirectedTo = url;
    if (this.#authorizer.authorizes(url)) return;
    const headers = options.headers as Record<string, unknown> | undefined;
    for (const name of Object.keys(headers ?? {})) if (AUTHORIZATION_HEADER.test(name)) delete headers![name];
  };
}


/** The absolute URL axios will request, or `undefined` when it has none (a relative URL without `baseURL`, outside a browser). */
function urlOf(instance: AxiosInstance, config: InternalAxiosRequestConfig): string | undefined {
  try {
    // In a browser axios resolves a relative URL against the page; elsewhere it cannot send one at all.
    return new URL(instance.getUri(config), (globalThis as { location?: { href: string } }).location?.href).href;
  } catch {
    return undefined;
  }
}

function withHeaders(config: InternalAxiosRequestConfig, headers: AuthorizationHeaders): InternalAxiosRequestConfig {
  config.headers.set('Authorization', headers.authorization);
  if (headers.dpop !== undefined) config.headers.set('DPoP', headers.dpop);
  return config;
}

/** What the Authorizer reads of an axios response: its status, and its headers by name. */
function responseHead(response: AxiosResponse): ResponseHead {
  const headers = response.headers as { get?: (name: string) => unknown } & Record<string, unknown>;
  return {
    status: response.status,
    headers: {
      get(name) {
        const value = typeof headers.get === 'function' ? headers.get(name) : headers[name.toLowerCase()];
        return value === undefined || value === null ? null : String(value);
      },
    },
  };
}
