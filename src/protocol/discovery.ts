import { ConfigurationError, DiscoveryError } from '../errors.ts';
import { redactBody, redactText } from '../redaction.ts';
import { endpointName, getJson, type ExchangeLabel, type HttpSettings } from './http-exchange.ts';
import type { RawResponse } from './token-response.ts';

/**
 * What a client-credentials client uses of an authorization server's metadata (RFC 8414 §2), read and
 * checked by {@link discoverAuthorizationServer}. Endpoints are absolute URLs; lists are never empty
 * (an empty list, which §3.2 forbids, is read as an absent one).
 */
export interface AuthorizationServerMetadata {
  /** The server's issuer identifier as its metadata spells it: the `aud` a client assertion names (RFC 7523 §3). */
  readonly issuer: string;
  readonly tokenEndpoint: URL;
  /** RFC 7009 revocation endpoint, when the server has one. */
  readonly revocationEndpoint?: URL;
  /** RFC 8705 §5: the endpoints to use instead when authenticating with a client certificate. */
  readonly mtlsEndpointAliases: { readonly tokenEndpoint?: URL; readonly revocationEndpoint?: URL };
  /** Absent means the server did not say; RFC 8414 then implies `client_secret_basic` only. */
  readonly tokenEndpointAuthMethodsSupported?: readonly string[];
  /** JWS algorithms the token endpoint accepts for `private_key_jwt` and `client_secret_jwt` assertions. */
  readonly tokenEndpointAuthSigningAlgValuesSupported?: readonly string[];
  /** JWS algorithms the server accepts for DPoP proofs (RFC 9449 §5.1). */
  readonly dpopSigningAlgValuesSupported?: readonly string[];
}

const DISCOVERY_EXCHANGE: ExchangeLabel = {
  server: 'The metadata URL',
  request: 'The discovery request',
  onRedirect:
    "because the metadata names the endpoints the credentials are sent to, so it is taken only from the issuer's own well-known URL. Configure issuer as the server names itself, or tokenUrl instead.",
  error: DiscoveryError,
};

/**
 * Fetches and checks an authorization server's metadata: one discovery, no retries (a `DiscoveryError`
 * with a 429 or 5xx status, a `NetworkError` and a `TimeoutError` are transient; the caller retries).
 *
 * First the RFC 8414 URL, `/.well-known/oauth-authorization-server` with the issuer's path after it (§3.1:
 * `https://a.example/tenant` → `https://a.example/.well-known/oauth-authorization-server/tenant`). When that
 * answers a 4xx other than 429 — servers that implement only OpenID Connect answer their unknown paths with
 * 404, but also 400, 401, 403 or 405 — the OpenID Connect Discovery URL, `<issuer>/.well-known/openid-configuration`.
 * Falling back costs one request and no safety: both documents are checked alike. A 429 or 5xx does not fall
 * back (the server may serve RFC 8414 and be briefly unwell), and neither does a redirect: redirects are not
 * followed, since metadata decides where the credentials go. Each request has `http.timeout` and the 1 MiB cap.
 *
 * The document must be a JSON object whose `issuer` is the configured issuer (§3.3), compared after both are
 * normalised as `new URL(x).href` does: `https://a.example` and `https://a.example/` (the same issuer, whose
 * well-known URL is the same) match, `https://a.example/tenant` and `https://a.example/tenant/` (whose
 * well-known URLs differ) do not. `token_endpoint` must be an absolute URL, and so must the optional
 * endpoints when present; `null` counts as absent. Whether http is acceptable is the caller's policy.
 *
 * @throws {ConfigurationError} `issuer` has credentials, a query or a fragment, or is not an http(s) URL (RFC 8414 §2).
 * @throws {DiscoveryError} the metadata cannot be used (see the class); a 429 or 5xx one is transient.
 * @throws {NetworkError} no answer; a `TimeoutError` (a `NetworkError`) when no complete answer came within `http.timeout`.
 */
export async function discoverAuthorizationServer(issuer: URL, http: HttpSettings): Promise<AuthorizationServerMetadata> {
  const isHttp = issuer.protocol === 'https:' || issuer.protocol === 'http:';
  if (!isHttp || issuer.username !== '' || issuer.password !== '' || issuer.search !== '' || issuer.hash !== '') {
    // Not the href: a password in the URL must not reach the message.
    throw new ConfigurationError(
      `The issuer ${isHttp ? endpointName(issuer) : issuer.protocol} is not an issuer identifier: an http(s) URL without credentials, a query or a fragment (RFC 8414 §2).`,
    );
  }
  const rfc8414Url = new URL(`${issuer.origin}/.well-known/oauth-authorization-server${issuer.pathname === '/' ? '' : issuer.pathname}`);
  const first = await getJson(rfc8414Url, http, DISCOVERY_EXCHANGE);
  if (!isNotServedHere(first.status)) return readMetadata(first, rfc8414Url, issuer, http);

  // OpenID Connect Discovery 1.0 §4: a terminating `/` of the issuer is removed before appending.
  const openIdUrl = new URL(`${issuer.origin}${issuer.pathname.replace(/\/$/, '')}/.well-known/openid-configuration`);
  const second = await getJson(openIdUrl, http, DISCOVERY_EXCHANGE);
  if (isNotServedHere(second.status)) {
    throw new DiscoveryError(
      `Neither ${endpointName(rfc8414Url)} (HTTP ${first.status}) nor ${endpointName(openIdUrl)} (HTTP ${second.status}) serves authorization server metadata. Check the issuer option, or configure tokenUrl instead.`,
      { statusCode: second.status, headers: second.headers, body: redactBody(second.body, http.scrub) },
    );
  }
  return readMetadata(second, openIdUrl, issuer, http);
}

/** A 4xx other than 429: the metadata is not at this URL, as opposed to the server being unwell. */
function isNotServedHere(status: number): boolean {
  return status >= 400 && status <= 499 && status !== 429;
}

/** The most of a server-chosen value (an issuer) that a message quotes: a hostile document could make it any size. */
const QUOTED_LENGTH = 200;

function readMetadata(response: RawResponse, url: URL, issuer: URL, http: HttpSettings): AuthorizationServerMetadata {
  const where = endpointName(url);
  const fail = (problem: string) =>
    new DiscoveryError(`The metadata at ${where} ${problem}`, {
      statusCode: response.status,
      headers: response.headers,
      body: redactBody(response.body, http.scrub),
    });
  if (response.status < 200 || response.status > 299) {
    throw fail(`could not be read: the server answered HTTP ${response.status}.`);
  }
  const document = parseObject(response.body);
  if (!document) throw fail('is not a JSON object; is the issuer option the authorization server\'s issuer identifier?');

  const named = document.issuer;
  if (typeof named !== 'string') throw fail('has no issuer.');
  if (normalised(named) !== issuer.href) {
    const quoted = JSON.stringify(redactText(named.slice(0, QUOTED_LENGTH), http.scrub));
    throw fail(
      `names the issuer ${quoted}, not the configured ${JSON.stringify(issuer.href)}; RFC 8414 §3.3 requires them to be identical. Configure issuer exactly as the server names itself.`,
    );
  }

  const endpoint = (name: string, value: unknown): URL | undefined => {
    if (value === undefined || value === null) return undefined;
    const url = typeof value === 'string' ? absoluteUrl(value) : undefined;
    if (!url) throw fail(`has a ${name} that is not an absolute URL.`);
    return url;
  };
  const list = (name: string): readonly string[] | undefined => {
    const value = document[name];
    if (value === undefined || value === null) return undefined;
    if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) throw fail(`has a ${name} that is not an array of strings.`);
    return value.length === 0 ? undefined : Object.freeze([...value]);
  };

  const tokenEndpoint = endpoint('token_endpoint', document.token_endpoint);
  if (!tokenEndpoint) throw fail('has no token_endpoint.');
  const revocationEndpoint = endpoint('revocation_endpoint', document.revocation_endpoint);
  const aliases = document.mtls_endpoint_aliases ?? {};
  if (typeof aliases !== 'object' || Array.isArray(aliases)) throw fail('has an mtls_endpoint_aliases that is not a JSON object.');
  const aliased = aliases as Record<string, unknown>;
  const mtlsTokenEndpoint = endpoint('mtls_endpoint_aliases.token_endpoint', aliased.token_endpoint);
  const mtlsRevocationEndpoint = endpoint('mtls_endpoint_aliases.revocation_endpoint', aliased.revocation_endpoint);
  const authMethods = list('token_endpoint_auth_methods_supported');
  const signingAlgs = list('token_endpoint_auth_signing_alg_values_supported');
  const dpopAlgs = list('dpop_signing_alg_values_supported');

  return Object.freeze({
    issuer: named,
    tokenEndpoint,
    ...(revocationEndpoint && { revocationEndpoint }),
    mtlsEndpointAliases: Object.freeze({
      ...(mtlsTokenEndpoint && { tokenEndpoint: mtlsTokenEndpoint }),
      ...(mtlsRevocationEndpoint && { revocationEndpoint: mtlsRevocationEndpoint }),
    }),
    ...(authMethods && { tokenEndpointAuthMethodsSupported: authMethods }),
    ...(signingAlgs && { tokenEndpointAuthSigningAlgValuesSupported: signingAlgs }),
    ...(dpopAlgs && { dpopSigningAlgValuesSupported: dpopAlgs }),
  });
}

function parseObject(body: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(body);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** `undefined` for a relative or malformed URL: without a base, `new URL` accepts only absolute ones. */
function absoluteUrl(value: string): URL | undefined {
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

/** `new URL(value).href`, or the value itself when it is no URL (then it matches no configured issuer). */
function normalised(value: string): string {
  return absoluteUrl(value)?.href ?? value;
}
