import { ConfigurationError } from '../errors.ts';
import type { Emit } from '../events.ts';
import { chooseMethod, type AuthenticationSettings } from '../protocol/client-authentication/settings.ts';
import type { AuthorizationServerMetadata } from '../protocol/discovery.ts';
import type { DpopSession } from '../protocol/dpop.ts';
import type { TokenEndpoint } from '../protocol/token-request.ts';
import type { Scrub } from '../redaction.ts';
import { withRetries, type RetryPolicy } from './retry.ts';

/** Where the client sends its requests to the authorization server, each with its client authentication. */
interface Endpoints {
  readonly token: TokenEndpoint;
  /** `undefined` when neither configured nor discovered. */
  readonly revocation: TokenEndpoint | undefined;
}

export interface EndpointsOptions {
  readonly authentication: AuthenticationSettings;
  readonly tokenUrl: URL | undefined;
  readonly revocationUrl: URL | undefined;
  /** With an issuer, its metadata is discovered on first need. */
  readonly issuer: string | undefined;
  /** One discovery exchange; retried here when it fails transiently. */
  readonly discover: (issuer: string) => Promise<AuthorizationServerMetadata>;
  /** The rules a URL that credentials go to must meet; discovered endpoints are held to them too. */
  readonly requireSafeUrl: (url: URL, name: string) => void;
  /** Whether the fetch presents a client certificate, so that RFC 8705's mTLS aliases apply. */
  readonly mtls: boolean;
  readonly timeout: number;
  readonly fetch: typeof fetch;
  readonly scrub: Scrub;
  /** Token requests carry DPoP proofs when set; revocation requests never do. */
  readonly dpop: DpopSession | undefined;
  readonly retry: RetryPolicy;
  readonly emit: Emit;
}

/** The endpoints, each resolved when first needed. */
export interface EndpointResolver {
  token(): Promise<TokenEndpoint>;
  /** `undefined` when neither configured nor discovered. */
  revocation(): Promise<TokenEndpoint | undefined>;
}

/**
 * Resolves the endpoints from the configuration and, with an issuer, its metadata. `tokenUrl` wins: with
 * it, token requests never wait for discovery (the method is then the configured one, or the first the
 * credentials allow), and the metadata only fills in what is missing. Without it, the metadata supplies
 * the token endpoint (its mTLS alias when the client presents a certificate) and the method. Discovery is
 * single-flight and retried like a token request; a failure is not kept (the next call discovers again),
 * a success is kept for the client's life.
 */
export function resolveEndpoints(options: EndpointsOptions): EndpointResolver {
  const { issuer } = options;
  const configured = options.tokenUrl && endpointsFrom(options, undefined);
  let discovered: Promise<Endpoints> | undefined;
  const discover = (): Promise<Endpoints> => {
    discovered ??= withRetries(() => options.discover(issuer!), options.retry, (notice) => options.emit({ type: 'token-request-retry', ...notice }))
      .then((metadata) => endpointsFrom(options, metadata))
      .catch((error: unknown) => {
        discovered = undefined;
        throw error;
      });
    return discovered;
  };
  const resolved = (): Promise<Endpoints> => (configured && (configured.revocation || issuer === undefined) ? Promise.resolve(configured) : discover());
  return {
    token: async () => (configured ?? (await discover())).token,
    revocation: async () => (await resolved()).revocation,
  };
}

/** The endpoints from the configuration, with what `metadata` adds; may throw a ConfigurationError (no method fits, an unsafe URL). */
function endpointsFrom(options: EndpointsOptions, metadata: AuthorizationServerMetadata | undefined): Endpoints {
  const { authentication, mtls } = options;
  // With tokenUrl configured, the method does not wait for (nor change with) the server's list.
  const supported = options.tokenUrl === undefined && metadata ? (metadata.tokenEndpointAuthMethodsSupported ?? null) : undefined;
  const method = chooseMethod(authentication, supported);
  const viaCertificate = mtls || method === 'tls_client_auth' || method === 'self_signed_tls_client_auth';
  const aliases = viaCertificate ? metadata?.mtlsEndpointAliases : undefined;
  const tokenUrl = options.tokenUrl ?? aliases?.tokenEndpoint ?? metadata?.tokenEndpoint;
  const revocationUrl = options.revocationUrl ?? aliases?.revocationEndpoint ?? metadata?.revocationEndpoint;
  if (tokenUrl === undefined) throw new ConfigurationError('No token endpoint: configure tokenUrl or issuer.');
  // Discovered endpoints are held to the rules configured ones met at construction.
  if (tokenUrl !== options.tokenUrl) options.requireSafeUrl(tokenUrl, 'The discovered token_endpoint');
  if (revocationUrl && revocationUrl !== options.revocationUrl) options.requireSafeUrl(revocationUrl, 'The discovered revocation_endpoint');
  // RFC 7523 §3: the audience is the issuer when it is known, else the token endpoint.
  const audienceName = metadata?.issuer ?? options.issuer ?? tokenUrl.href;
  const authenticationFor = authentication.create(method, () => audienceName);
  const endpoint = (url: URL, dpop?: DpopSession): TokenEndpoint => ({ url, authentication: authenticationFor, timeout: options.timeout, fetch: options.fetch, scrub: options.scrub, dpop });
  return { token: endpoint(tokenUrl, options.dpop), revocation: revocationUrl && endpoint(revocationUrl) };
}
