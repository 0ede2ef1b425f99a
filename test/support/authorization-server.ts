// Test harness: a real OAuth 2.0 authorization server (oidc-provider) and a small protected API that
// validates its tokens, both on 127.0.0.1 over http, and again over https with mutual TLS (RFC 8705): the
// provider's mTLS endpoint aliases and the API, which checks certificate-bound tokens.
//
// DPoP (RFC 9449): a token request with a valid proof gets a token bound to the proof's key (`token_type`
// DPoP), nonces can be demanded at the token endpoint (the provider's own) and at the API (the harness's), and
// the API verifies `Authorization: DPoP` requests by RFC 9449 §7 and §4.3 (see `ApiRequestRecord.outcome`).
//
// Clients are registered for every client-authentication method; see `AuthorizationServer['clients']`.
import { randomBytes, X509Certificate } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { TLSSocket } from 'node:tls';
import { decodeJwt, decodeProtectedHeader, type JWK } from 'jose';
import type { ClientMetadata, Configuration, errors, KoaContext, Middleware, Provider } from 'oidc-provider';
import { certificateThumbprint, createTestCertificates, subjectMatches, type CertificateAndKey, type TestCertificates } from './certificates.ts';
import { accessTokenHash, decodeDpopProof, DPOP_ALGORITHMS, verifyDpopProof, type DecodedDpopProof } from './dpop-proof-verification.ts';
import { createSigningKey, signAssertion, type SigningKey } from './signing-keys.ts';

export interface RegisteredClient { id: string; secret: string }

/** A private_key_jwt client and its key (PEM, JWK and KeyObject of one key pair). */
export interface KeyClient { id: string; key: SigningKey }

/** A client that authenticates with a client certificate, at the mTLS endpoints only: its tokens are bound to the certificate. */
export interface CertificateClient { id: string; certificate: CertificateAndKey }

export type ClientAuthMethod =
  | 'client_secret_basic'
  | 'client_secret_post'
  | 'client_secret_jwt'
  | 'private_key_jwt'
  | 'tls_client_auth'
  | 'self_signed_tls_client_auth'
  | 'none';

/** A client assertion as the server received it, decoded; its signature is never recorded. */
export interface ClientAssertionRecord {
  header: { alg?: string; kid?: string; typ?: string };
  claims: { iss?: string; sub?: string; aud?: string | string[]; iat?: number; exp?: number; jti?: string };
}

/** A request to the token endpoint (or, in `revocationRequests`, to the revocation endpoint). */
export interface TokenRequestRecord {
  clientId: string | undefined;
  /**
   * How the client authenticated, read from what it sent: a Basic header, a client_secret, a client
   * assertion (`client_secret_jwt` when its alg is HS*, else `private_key_jwt`), or else a client
   * certificate presented for a client registered with a tls method; `none` otherwise.
   */
  authMethod: ClientAuthMethod;
  /** The Authorization header as received. */
  rawAuthorization: string | undefined;
  /** The form body as received, without client_secret and client_assertion; a repeated field by its last value. */
  params: Record<string, string>;
  /** Every `resource` value, in the order sent. */
  resources: string[];
  /** The client assertion's decoded header and claims, when one was sent and could be decoded. */
  clientAssertion?: ClientAssertionRecord;
  /** Whether the request came to the mutual-TLS (https) server. */
  mtls: boolean;
  /** The client certificate presented on the connection, if any. */
  clientCertificate?: { subject: string; thumbprint: string };
  /** HTTP status the client was answered (503 for a request failed by `failNextTokenRequests`). */
  status: number;
  /** The token issued, if any (also when a forced 503 then withheld it). */
  accessToken?: string;
  /** The `token_type` of the token issued, if any: `DPoP` when the request carried a valid proof, else `Bearer`. */
  tokenType?: string;
  /** The DPoP proof sent (the `DPoP` header), decoded; its signature is never recorded. */
  dpop?: DecodedDpopProof;
  /** The `DPoP-Nonce` header of the answer: the provider sends one whenever a proof lacks the nonce it wants next. */
  dpopNonceAnswered?: string;
}

/** An issued access token as the server's store has it. */
export interface IssuedToken {
  clientId: string;
  /** The resource server the token is for (RFC 8707): `API_RESOURCE` unless the request named another. */
  aud: string | string[] | undefined;
  scope: string | undefined;
  /** `cnf["x5t#S256"]`: the thumbprint of the certificate the token is bound to, if any. */
  certificateThumbprint: string | undefined;
  /** `cnf.jkt`: the JWK thumbprint (RFC 7638) of the DPoP key the token is bound to, if any. */
  dpopThumbprint: string | undefined;
  isExpired: boolean;
}

/** A DPoP proof sent to the API, decoded; its signature is never recorded. */
export interface ApiDpopRecord extends Omit<DecodedDpopProof, 'ath'> {
  /** Whether the proof's `ath` is the hash of the access token the request carries. */
  ath: boolean;
}

/**
 * What the API made of a request. Answered 401 with a challenge in the scheme the request used (`Bearer` or
 * `DPoP`), except `ok` and `insufficient_scope` (403); `missing_token` gets `Bearer realm="api"`.
 * - `invalid_token`: the token is unknown, revoked or expired (`error="invalid_token"`).
 * - `certificate_mismatch`: a certificate-bound token without the client certificate it is bound to (`invalid_token`).
 * - `scheme_mismatch`: a DPoP-bound token sent as Bearer, or a token that is not DPoP-bound sent as DPoP (`invalid_token`).
 * - `key_mismatch`: a valid proof, but the token's `cnf.jkt` is another key's thumbprint (`invalid_token`).
 * - `invalid_dpop_proof`: no proof, several, or one that fails a check of RFC 9449 §4.3 — replay included (`invalid_dpop_proof`).
 * - `use_dpop_nonce`: nonces are required and the proof has none, or not the current one (`use_dpop_nonce`).
 */
export type ApiOutcome =
  | 'ok'
  | 'missing_token'
  | 'invalid_token'
  | 'insufficient_scope'
  | 'certificate_mismatch'
  | 'scheme_mismatch'
  | 'key_mismatch'
  | 'invalid_dpop_proof'
  | 'use_dpop_nonce';

export interface ApiRequestRecord {
  method: string;
  path: string;
  /** The Authorization header as received. */
  authorization: string | undefined;
  outcome: ApiOutcome;
  /** The `error_description` answered with a refusal (which check failed), if any. */
  errorDescription?: string;
  /** The `DPoP` header, decoded, when the request had exactly one (with any scheme). */
  dpop?: ApiDpopRecord;
  /** The `DPoP-Nonce` header answered: the API's current nonce while nonces are required. */
  dpopNonceAnswered?: string;
  /** Whether the request came to the mutual-TLS (https) API. */
  mtls: boolean;
  /** Thumbprint (base64url SHA-256) of the client certificate presented, if any. */
  clientCertificateThumbprint: string | undefined;
}

export interface AuthorizationServer {
  /** e.g. http://127.0.0.1:PORT */
  issuer: string;
  tokenUrl: string;
  /** Base URL of the protected API, with its path prefix: http://127.0.0.1:PORT2/api */
  apiUrl: string;
  /** The revocation endpoint (RFC 7009) over http. */
  revocationUrl: string;
  /** The discovery documents: `oauthAuthorizationServer` (RFC 8414) and `openidConfiguration`, the same metadata. */
  discoveryUrls: { oauthAuthorizationServer: string; openidConfiguration: string };
  /**
   * The same provider and API over https with client certificates requested (not required). The
   * discovery metadata lists `tokenUrl` and `revocationUrl` as `mtls_endpoint_aliases`. Trust
   * `certificates.ca` to reach them.
   */
  mtls: { tokenUrl: string; revocationUrl: string; apiUrl: string };
  /** The CA, the servers' certificate, and the client certificates (PEM), made for this server. */
  certificates: TestCertificates;
  /** The resource indicators (RFC 8707) the server knows; each token is for one of them. */
  resources: { default: string; apiOne: string; apiTwo: string };
  clients: {
    /** Registered with client_secret_basic. */
    basic: RegisteredClient;
    /** Registered with client_secret_post. */
    post: RegisteredClient;
    /** client_secret_basic; id and secret contain `: % + & = /` and spaces. */
    special: RegisteredClient;
    /** client_secret_basic; its tokens live `shortTokenTtlSeconds`. */
    shortLived: RegisteredClient;
    /** client_secret_jwt with HS256 (the secret is 43 characters, enough for HS256). */
    clientSecretJwt: RegisteredClient;
    /** private_key_jwt with an ES256 key (P-256). */
    privateKeyJwtEs256: KeyClient;
    /** private_key_jwt with an RS256 key (RSA 2048). */
    privateKeyJwtRs256: KeyClient;
    /** private_key_jwt (ES256) for ready-made assertions: `signClientAssertion()` makes one. */
    assertion: KeyClient;
    /** tls_client_auth: registered by the subject DN (`certificate.subjectDn`) of `certificates.client`. */
    tlsClientAuth: CertificateClient & { certificate: { subjectDn: string } };
    /** self_signed_tls_client_auth: registered by `certificates.selfSigned` in its jwks (x5c). */
    selfSignedTlsClientAuth: CertificateClient;
  };
  shortTokenTtlSeconds: number;
  tokenTtlSeconds: number;
  /** Every request to the token endpoint, in order. */
  tokenRequests: TokenRequestRecord[];
  /** Every request to the revocation endpoint, in order. */
  revocationRequests: TokenRequestRecord[];
  /** Every request to the API, in order. */
  apiRequests: ApiRequestRecord[];
  /**
   * A valid client assertion for `clients.assertion`, signed with jose: aud the issuer, a fresh jti, exp 60 s
   * ahead, unless overridden.
   */
  signClientAssertion(options?: { audience?: string; jti?: string; lifetimeSeconds?: number }): Promise<string>;
  /** An issued access token as stored, or undefined if unknown, revoked or destroyed. */
  describeToken(accessToken: string): Promise<IssuedToken | undefined>;
  /**
   * The next `count` token requests (default 1) are processed (their assertion's jti is spent) and then
   * answered 503 `temporarily_unavailable` with `Retry-After: 0`, the token withheld.
   */
  failNextTokenRequests(count?: number): void;
  /**
   * Discovery switches, kept until changed: `oauthAuthorizationServerPath` false makes the RFC 8414 path
   * answer 404 (default true); `wrongIssuer` true makes both documents name `WRONG_ISSUER` (default false).
   */
  setDiscovery(options: { oauthAuthorizationServerPath?: boolean; wrongIssuer?: boolean }): void;
  /** Revoke (destroy) every access token issued so far, so the API answers 401 invalid_token for them. */
  revokeAllTokens(): Promise<void>;
  /**
   * Token endpoint (oidc-provider's `features.dPoP.requireNonce`): while true, a proof without a valid nonce is
   * answered 400 `use_dpop_nonce` with a `DPoP-Nonce` header. The provider's nonces change on a 60-second
   * clock and each is accepted for about five minutes. Default false; kept until changed.
   */
  setDpopNonceRequired(required: boolean): void;
  /**
   * API: while true, a DPoP request whose proof lacks the API's current nonce is answered 401
   * `WWW-Authenticate: DPoP error="use_dpop_nonce"`, and every API answer carries `DPoP-Nonce` with the current
   * nonce. Bearer requests are not affected but for that header. Default false; kept until changed.
   */
  setApiNonceRequired(required: boolean): void;
  /** API: replaces the current nonce by a new one, returned; the old one is refused from then on. */
  rotateApiNonce(): string;
  /** API: the nonce a proof must carry while `setApiNonceRequired(true)`. */
  currentApiNonce(): string;
  /** The JWS algorithms accepted in DPoP proofs, at the token endpoint and the API. */
  dpopAlgorithms: readonly string[];
  /** Add latency (ms) before the token endpoint answers (default 0). */
  setTokenEndpointDelay(ms: number): void;
  /** Forget recorded requests (token, revocation and API). */
  reset(): void;
  close(): Promise<void>;
}

export interface AuthorizationServerOptions {
  /** Default 300. */
  tokenTtlSeconds?: number;
  /** Default 2. */
  shortTokenTtlSeconds?: number;
}

const HOST = '127.0.0.1';
const TOKEN_PATH = '/token';
const REVOCATION_PATH = '/revoke';
const OPENID_CONFIGURATION_PATH = '/.well-known/openid-configuration';
const OAUTH_AUTHORIZATION_SERVER_PATH = '/.well-known/oauth-authorization-server';
const API_PREFIX = '/api';
const SUPPORTED_SCOPE = 'read write';
/**
 * The resource indicator (RFC 8707) of the protected API. oidc-provider only
 * puts scopes other than the OpenID ones into a client_credentials token when
 * the request resolves to a resource server, so token requests default to this
 * one; any other `resource` is answered with invalid_target.
 */
export const API_RESOURCE = 'urn:oauth-ccg:api';
/** Two more resource servers, for tokens whose audiences differ. oidc-provider takes one `resource` per request. */
export const API_ONE_RESOURCE = 'https://api-one.example';
export const API_TWO_RESOURCE = 'https://api-two.example';
const RESOURCES = [API_RESOURCE, API_ONE_RESOURCE, API_TWO_RESOURCE];
/** The `issuer` the discovery documents name when `setDiscovery({ wrongIssuer: true })`. */
export const WRONG_ISSUER = 'https://wrong-issuer.example';

const CLIENTS = {
  basic: { id: 'basic-client', secret: 'basic-secret' },
  post: { id: 'post-client', secret: 'post-secret' },
  special: { id: 'svc: a%b+c&d=e/f g', secret: 'pw: a%b+c&d=e/f g' },
  shortLived: { id: 'short-lived-client', secret: 'short-lived-secret' },
  clientSecretJwt: { id: 'client-secret-jwt-client', secret: 'client-secret-jwt-secret-of-43-characters--' },
} satisfies Partial<AuthorizationServer['clients']>;

export async function startAuthorizationServer(
  options: AuthorizationServerOptions = {},
): Promise<AuthorizationServer> {
  const tokenTtlSeconds = options.tokenTtlSeconds ?? 300;
  const shortTokenTtlSeconds = options.shortTokenTtlSeconds ?? 2;
  const ttlFor = (clientId: string): number =>
    clientId === CLIENTS.shortLived.id ? shortTokenTtlSeconds : tokenTtlSeconds;

  const { certificates, keys } = await credentialsOfThisProcess();
  const clients: AuthorizationServer['clients'] = {
    ...structuredClone(CLIENTS),
    privateKeyJwtEs256: { id: 'private-key-jwt-es256-client', key: keys.es256 },
    privateKeyJwtRs256: { id: 'private-key-jwt-rs256-client', key: keys.rs256 },
    assertion: { id: 'assertion-client', key: keys.assertion },
    tlsClientAuth: { id: 'tls-client-auth-client', certificate: certificates.client },
    selfSignedTlsClientAuth: { id: 'self-signed-tls-client-auth-client', certificate: certificates.selfSigned },
  };

  const tokenRequests: TokenRequestRecord[] = [];
  const revocationRequests: TokenRequestRecord[] = [];
  const apiRequests: ApiRequestRecord[] = [];
  // Kept apart from tokenRequests so that reset() does not spare tokens from revokeAllTokens().
  const issuedTokens = new Set<string>();
  const behaviour = { tokenEndpointDelay: 0, failuresToForce: 0, oauthAuthorizationServerPath: true, wrongIssuer: false, dpopNonceRequired: false };
  const apiDpop: ApiDpopState = { nonceRequired: false, nonce: newApiNonce(), spentJtis: new Set() };

  // The issuer and the endpoint aliases contain ports, so listen before creating the provider.
  const tls = { cert: certificates.server.cert, key: certificates.server.key, ca: [certificates.ca], requestCert: true, rejectUnauthorized: false };
  const authServer = createServer();
  const mtlsAuthServer = createHttpsServer(tls);
  const issuer = await listen(authServer, 'http');
  const mtlsOrigin = await listen(mtlsAuthServer, 'https');
  const mtlsEndpoints = { tokenUrl: `${mtlsOrigin}${TOKEN_PATH}`, revocationUrl: `${mtlsOrigin}${REVOCATION_PATH}` };
  const provider = await createProvider(issuer, (InvalidTarget) => providerConfiguration(ttlFor, InvalidTarget, clients, mtlsEndpoints, () => behaviour.dpopNonceRequired));
  provider.use(serveDiscoveryVariants(behaviour));
  provider.use(recordEndpointRequests(behaviour, (endpoint, record) => {
    (endpoint === 'token' ? tokenRequests : revocationRequests).push(record);
    if (record.accessToken !== undefined) issuedTokens.add(record.accessToken);
  }));
  authServer.on('request', provider.callback());
  mtlsAuthServer.on('request', provider.callback());

  const apiServer = createServer(apiHandler(provider, apiRequests, apiDpop));
  const mtlsApiServer = createHttpsServer(tls, apiHandler(provider, apiRequests, apiDpop));
  const apiOrigin = await listen(apiServer, 'http');
  const mtlsApiOrigin = await listen(mtlsApiServer, 'https');

  return {
    issuer,
    tokenUrl: new URL(TOKEN_PATH, issuer).href,
    apiUrl: `${apiOrigin}${API_PREFIX}`,
    revocationUrl: new URL(REVOCATION_PATH, issuer).href,
    discoveryUrls: {
      oauthAuthorizationServer: new URL(OAUTH_AUTHORIZATION_SERVER_PATH, issuer).href,
      openidConfiguration: new URL(OPENID_CONFIGURATION_PATH, issuer).href,
    },
    mtls: { ...mtlsEndpoints, apiUrl: `${mtlsApiOrigin}${API_PREFIX}` },
    certificates,
    resources: { default: API_RESOURCE, apiOne: API_ONE_RESOURCE, apiTwo: API_TWO_RESOURCE },
    clients,
    shortTokenTtlSeconds,
    tokenTtlSeconds,
    tokenRequests,
    revocationRequests,
    apiRequests,
    signClientAssertion(assertion = {}) {
      const { id, key } = clients.assertion;
      return signAssertion({ clientId: id, key: key.keyObject, alg: key.alg, kid: key.kid, audience: assertion.audience ?? issuer, ...assertion });
    },
    async describeToken(value) {
      const token = await provider.ClientCredentials.find(value);
      if (token === undefined) return undefined;
      return {
        clientId: token.clientId,
        aud: token.aud,
        scope: token.scope,
        certificateThumbprint: token['x5t#S256'],
        dpopThumbprint: token.jkt,
        isExpired: token.isExpired,
      };
    },
    failNextTokenRequests(count = 1) {
      behaviour.failuresToForce = count;
    },
    setDiscovery(switches) {
      behaviour.oauthAuthorizationServerPath = switches.oauthAuthorizationServerPath ?? behaviour.oauthAuthorizationServerPath;
      behaviour.wrongIssuer = switches.wrongIssuer ?? behaviour.wrongIssuer;
    },
    async revokeAllTokens() {
      const tokens = await Promise.all([...issuedTokens].map((value) => provider.ClientCredentials.find(value)));
      await Promise.all(tokens.map((token) => token?.destroy()));
      issuedTokens.clear();
    },
    setDpopNonceRequired(required) {
      behaviour.dpopNonceRequired = required;
    },
    setApiNonceRequired(required) {
      apiDpop.nonceRequired = required;
    },
    rotateApiNonce() {
      apiDpop.nonce = newApiNonce();
      return apiDpop.nonce;
    },
    currentApiNonce() {
      return apiDpop.nonce;
    },
    dpopAlgorithms: DPOP_ALGORITHMS,
    setTokenEndpointDelay(ms) {
      behaviour.tokenEndpointDelay = ms;
    },
    reset() {
      // Empty in place: callers may hold references to these arrays.
      tokenRequests.length = 0;
      revocationRequests.length = 0;
      apiRequests.length = 0;
    },
    async close() {
      await Promise.all([authServer, mtlsAuthServer, apiServer, mtlsApiServer].map(closeServer));
    },
  };
}

let credentials: Promise<{ certificates: TestCertificates; keys: Record<'es256' | 'rs256' | 'assertion', SigningKey> }> | undefined;

/**
 * Certificates and signing keys, made once per test process: several suites start a server per test, and
 * openssl and RSA key generation would add a good part of a second to each start.
 */
function credentialsOfThisProcess(): NonNullable<typeof credentials> {
  credentials ??= createTestCertificates().then((certificates) => ({
    certificates,
    keys: { es256: createSigningKey('ES256', 'es256-key'), rs256: createSigningKey('RS256', 'rs256-key'), assertion: createSigningKey('ES256', 'assertion-key') },
  }));
  return credentials;
}

function providerConfiguration(
  ttlFor: (clientId: string) => number,
  InvalidTarget: typeof errors.InvalidTarget,
  clients: AuthorizationServer['clients'],
  mtlsEndpoints: { tokenUrl: string; revocationUrl: string },
  dpopNonceRequired: () => boolean,
): Configuration {
  return {
    clients: [
      secretClient(clients.basic, 'client_secret_basic'),
      secretClient(clients.post, 'client_secret_post'),
      secretClient(clients.special, 'client_secret_basic'),
      secretClient(clients.shortLived, 'client_secret_basic'),
      { ...secretClient(clients.clientSecretJwt, 'client_secret_jwt'), token_endpoint_auth_signing_alg: 'HS256' },
      keyClient(clients.privateKeyJwtEs256),
      keyClient(clients.privateKeyJwtRs256),
      keyClient(clients.assertion),
      {
        ...clientMetadata(clients.tlsClientAuth.id, 'tls_client_auth'),
        tls_client_auth_subject_dn: clients.tlsClientAuth.certificate.subjectDn,
        tls_client_certificate_bound_access_tokens: true,
      },
      {
        ...clientMetadata(clients.selfSignedTlsClientAuth.id, 'self_signed_tls_client_auth'),
        jwks: { keys: [certificateJwk(clients.selfSignedTlsClientAuth.certificate.cert)] },
        tls_client_certificate_bound_access_tokens: true,
      },
    ],
    // Client metadata may only name scopes the provider knows.
    scopes: SUPPORTED_SCOPE.split(' '),
    // The mTLS methods are off unless listed here as well as enabled in features.mTLS.
    clientAuthMethods: ['client_secret_basic', 'client_secret_post', 'client_secret_jwt', 'private_key_jwt', 'tls_client_auth', 'self_signed_tls_client_auth'],
    routes: { token: TOKEN_PATH, revocation: REVOCATION_PATH },
    // oidc-provider lists these aliases but does not make them: the https server serves them.
    discovery: { mtls_endpoint_aliases: { token_endpoint: mtlsEndpoints.tokenUrl, revocation_endpoint: mtlsEndpoints.revocationUrl } },
    // Requests carrying an Origin header (browsers, some HTTP clients) would
    // otherwise be refused with a printed notice; any origin may call these test clients.
    clientBasedCORS: () => true,
    enabledJWA: { dPoPSigningAlgValues: [...DPOP_ALGORITHMS] },
    // This function alone decides the lifetime: a resource server's
    // accessTokenTTL is only read by the default one, which prints a notice.
    ttl: { ClientCredentials: (_ctx, _token, client) => ttlFor(client.clientId) },
    features: {
      clientCredentials: { enabled: true },
      devInteractions: { enabled: false },
      revocation: { enabled: true },
      // A client_credentials request with a valid proof gets a token bound to its key; without one, a Bearer token.
      dPoP: { enabled: true, nonceSecret: randomBytes(32), requireNonce: dpopNonceRequired },
      mTLS: {
        enabled: true,
        certificateBoundAccessTokens: true,
        tlsClientAuth: true,
        selfSignedTlsClientAuth: true,
        getCertificate: (ctx) => peerCertificate(ctx.socket),
        // The https server trusts the test CA but lets any certificate through (rejectUnauthorized: false): whether the CA signed it is this.
        certificateAuthorized: (ctx) => (ctx.socket as TLSSocket).authorized === true,
        certificateSubjectMatches(ctx, property, expected) {
          const certificate = peerCertificate(ctx.socket);
          return property === 'tls_client_auth_subject_dn' && certificate !== undefined && subjectMatches(certificate, expected);
        },
      },
      resourceIndicators: {
        enabled: true,
        defaultResource: async () => API_RESOURCE,
        async getResourceServerInfo(_ctx, resource) {
          if (!RESOURCES.includes(resource)) throw new InvalidTarget();
          // Opaque, because oidc-provider revokes only opaque tokens; `describeToken` reads their audience.
          return { scope: SUPPORTED_SCOPE, accessTokenFormat: 'opaque' };
        },
      },
    },
  };
}

function clientMetadata(id: string, method: ClientMetadata['token_endpoint_auth_method']): ClientMetadata {
  return {
    client_id: id,
    grant_types: ['client_credentials'],
    response_types: [],
    redirect_uris: [],
    scope: SUPPORTED_SCOPE,
    token_endpoint_auth_method: method,
  };
}

function secretClient(client: RegisteredClient, method: 'client_secret_basic' | 'client_secret_post' | 'client_secret_jwt'): ClientMetadata {
  return { ...clientMetadata(client.id, method), client_secret: client.secret };
}

function keyClient(client: KeyClient): ClientMetadata {
  return {
    ...clientMetadata(client.id, 'private_key_jwt'),
    token_endpoint_auth_signing_alg: client.key.alg,
    jwks: { keys: [client.key.publicJwk] },
  };
}

/** The certificate's public key as a JWK carrying the certificate (x5c), which is how self_signed_tls_client_auth registers it. */
function certificateJwk(pem: string): JWK {
  const certificate = new X509Certificate(pem);
  return { ...certificate.publicKey.export({ format: 'jwk' }), x5c: [certificate.raw.toString('base64')] };
}

/** The client certificate of a TLS connection; undefined over plain http or when none was presented. */
function peerCertificate(socket: Socket): X509Certificate | undefined {
  if (!('getPeerCertificate' in socket)) return undefined;
  const { raw } = (socket as TLSSocket).getPeerCertificate(true) as { raw?: Buffer };
  return raw === undefined ? undefined : new X509Certificate(raw);
}

/** Imports and constructs the provider without its startup notices and warnings. */
async function createProvider(
  issuer: string,
  configuration: (InvalidTarget: typeof errors.InvalidTarget) => Configuration,
): Promise<Provider> {
  const { info, warn } = console;
  console.info = console.warn = () => {};
  try {
    // Imported here, not at the top, because importing it already warns on Node 20.
    const { Provider, errors } = await import('oidc-provider');
    return new Provider(issuer, configuration(errors.InvalidTarget));
  } finally {
    console.info = info;
    console.warn = warn;
  }
}

/**
 * Koa middleware over the two discovery documents oidc-provider serves (RFC 8414's and OpenID's, the same
 * metadata): the RFC 8414 one can be switched off, as on servers that only have the OpenID one, and both can
 * be made to name a wrong issuer.
 */
function serveDiscoveryVariants(behaviour: { oauthAuthorizationServerPath: boolean; wrongIssuer: boolean }): Middleware {
  return async (ctx, next) => {
    if (ctx.path !== OAUTH_AUTHORIZATION_SERVER_PATH && ctx.path !== OPENID_CONFIGURATION_PATH) return next();
    if (ctx.path === OAUTH_AUTHORIZATION_SERVER_PATH && !behaviour.oauthAuthorizationServerPath) {
      ctx.status = 404;
      ctx.body = { error: 'not_found' };
      return;
    }
    await next();
    if (behaviour.wrongIssuer && ctx.status === 200) ctx.body = { ...(ctx.body as object), issuer: WRONG_ISSUER };
  };
}

/** Koa middleware that delays, fails on demand and records token endpoint requests, and records revocation requests. */
function recordEndpointRequests(
  behaviour: { tokenEndpointDelay: number; failuresToForce: number },
  record: (endpoint: 'token' | 'revocation', entry: TokenRequestRecord) => void,
): Middleware {
  return async (ctx, next) => {
    const endpoint = ctx.method !== 'POST' ? undefined : ctx.path === TOKEN_PATH ? 'token' : ctx.path === REVOCATION_PATH ? 'revocation' : undefined;
    if (endpoint === undefined) return next();
    if (endpoint === 'token' && behaviour.tokenEndpointDelay > 0) await sleep(behaviour.tokenEndpointDelay);
    await next();
    // Recorded before Koa writes the response, so a client never sees an answer that is not yet recorded.
    const entry = await describeRequest(ctx);
    if (endpoint === 'token' && behaviour.failuresToForce > 0) {
      // After the provider has processed the request, so that its assertion's jti is spent: a retry must bring a new one.
      behaviour.failuresToForce -= 1;
      ctx.status = 503;
      ctx.body = { error: 'temporarily_unavailable', error_description: 'forced by the test harness' };
      ctx.set('Retry-After', '0');
      entry.status = 503;
    }
    record(endpoint, entry);
  };
}

async function describeRequest(ctx: KoaContext): Promise<TokenRequestRecord> {
  const body = ctx.oidc?.body ?? {};
  const { client_secret: clientSecret, client_assertion: assertion, ...params } = flattenForm(body);
  const rawAuthorization = ctx.headers.authorization;
  const clientAssertion = assertion === undefined ? undefined : decodeAssertion(assertion);
  const certificate = peerCertificate(ctx.socket);
  const registeredMethod = ctx.oidc?.client?.clientAuthMethod;
  // oidc-provider accepts either secret method whatever the client registered, so look at what was sent.
  const authMethod: ClientAuthMethod = rawAuthorization !== undefined ? 'client_secret_basic'
    : clientSecret !== undefined ? 'client_secret_post'
    : assertion !== undefined ? (clientAssertion?.header.alg?.startsWith('HS') ? 'client_secret_jwt' : 'private_key_jwt')
    : certificate !== undefined && (registeredMethod === 'tls_client_auth' || registeredMethod === 'self_signed_tls_client_auth') ? registeredMethod
    : 'none';
  const accessToken = ctx.status === 200 ? accessTokenOf(ctx.body) : undefined;
  const tokenType = ctx.status === 200 ? tokenTypeOf(ctx.body) : undefined;
  // Node joins repeated unknown headers into one string, so this is the whole header as sent.
  const proof = ctx.headers.dpop as string | undefined;
  const nonceAnswered = ctx.response.get('DPoP-Nonce');
  const resource = body.resource;
  return {
    clientId: ctx.oidc?.client?.clientId ?? params.client_id,
    authMethod,
    rawAuthorization,
    params,
    resources: resource === undefined ? [] : Array.isArray(resource) ? resource : [resource],
    ...(clientAssertion === undefined ? {} : { clientAssertion }),
    mtls: 'encrypted' in ctx.socket,
    ...(certificate === undefined ? {} : { clientCertificate: { subject: certificate.subject, thumbprint: certificateThumbprint(certificate) } }),
    status: ctx.status,
    ...(accessToken === undefined ? {} : { accessToken }),
    ...(tokenType === undefined ? {} : { tokenType }),
    ...(proof === undefined ? {} : { dpop: await decodeDpopProof(proof) }),
    ...(nonceAnswered === undefined ? {} : { dpopNonceAnswered: nonceAnswered }),
  };
}

/** The header and the claims that matter of a client assertion; undefined if it is not a JWT. */
function decodeAssertion(assertion: string): ClientAssertionRecord | undefined {
  try {
    const { alg, kid, typ } = decodeProtectedHeader(assertion);
    const { iss, sub, aud, iat, exp, jti } = decodeJwt(assertion);
    return { header: withoutUndefined({ alg, kid, typ }), claims: withoutUndefined({ iss, sub, aud, iat, exp, jti }) };
  } catch {
    return undefined;
  }
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as T;
}

/** Records a repeated field (oidc-provider rejects repeats, except of `resource`) by its last value. */
function flattenForm(body: Record<string, string | string[]>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(body).map(([name, value]) => [name, Array.isArray(value) ? value.at(-1) ?? '' : value]),
  );
}

function accessTokenOf(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null || !('access_token' in body)) return undefined;
  return typeof body.access_token === 'string' ? body.access_token : undefined;
}

function tokenTypeOf(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null || !('token_type' in body)) return undefined;
  return typeof body.token_type === 'string' ? body.token_type : undefined;
}

/** The API's DPoP state, shared by its http and https servers. */
interface ApiDpopState {
  nonceRequired: boolean;
  /** The one nonce accepted while `nonceRequired`. */
  nonce: string;
  /** Every `jti` of a proof the API has accepted, kept for the server's life: a proof is good for one request. */
  spentJtis: Set<string>;
}

/** 128 random bits in base64url: a valid nonce (RFC 9449 §8.1, `1*NQCHAR`). */
function newApiNonce(): string {
  return randomBytes(16).toString('base64url');
}

type Refusal = Exclude<ApiOutcome, 'ok' | 'missing_token' | 'insufficient_scope'>;

type Authentication =
  | { outcome: 'missing_token' }
  | { outcome: Refusal; description: string }
  | { outcome: 'ok'; clientId: string; scope: string };

/** What the API needs to know of a request to authenticate it. */
interface ApiRequest {
  method: string;
  /** As the client addressed it: scheme, Host header, path and query. */
  url: string;
  scheme: 'Bearer' | 'DPoP' | undefined;
  accessToken: string | undefined;
  /** Every `DPoP` header sent. */
  proofs: string[];
  certificate: X509Certificate | undefined;
}

/** The scheme and token of an `Authorization: Bearer <token>` or `Authorization: DPoP <token>` header. */
function parseAuthorization(authorization: string | undefined): Pick<ApiRequest, 'scheme' | 'accessToken'> {
  const match = /^(Bearer|DPoP) +(\S+) *$/i.exec(authorization ?? '');
  if (match === null) return { scheme: undefined, accessToken: undefined };
  return { scheme: match[1]!.toLowerCase() === 'dpop' ? 'DPoP' : 'Bearer', accessToken: match[2] };
}

/**
 * Validates the request's token against the provider's token store; a certificate-bound token (RFC 8705 §3)
 * against the client certificate presented on the connection; a DPoP request's proof (RFC 9449 §7.1, §4.3),
 * the API's nonce when required, the proof's single use, and the token's binding to the proof's key. The
 * proof is checked before the token, as a proof that fails is refused whatever the token.
 */
async function authenticate(provider: Provider, request: ApiRequest, dpop: ApiDpopState): Promise<Authentication> {
  const { scheme, accessToken } = request;
  if (scheme === undefined || accessToken === undefined) return { outcome: 'missing_token' };
  let proofKey: string | undefined;
  if (scheme === 'DPoP') {
    if (request.proofs.length !== 1) {
      return { outcome: 'invalid_dpop_proof', description: request.proofs.length === 0 ? 'the request has no DPoP proof' : 'the request has more than one DPoP proof' };
    }
    const verdict = await verifyDpopProof(request.proofs[0]!, {
      method: request.method,
      url: request.url,
      accessToken,
      ...(dpop.nonceRequired ? { nonce: dpop.nonce } : {}),
    });
    if (!verdict.valid) return { outcome: verdict.error, description: verdict.description };
    if (dpop.spentJtis.has(verdict.jti)) return { outcome: 'invalid_dpop_proof', description: 'the DPoP proof was used before (its jti)' };
    dpop.spentJtis.add(verdict.jti);
    proofKey = verdict.jkt;
  }
  const token = await provider.ClientCredentials.find(accessToken);
  if (token === undefined) return { outcome: 'invalid_token', description: 'the access token is unknown or revoked' };
  // find() tolerates clock skew (15 s by default); the API must not.
  if (token.isExpired) return { outcome: 'invalid_token', description: 'the access token expired' };
  // RFC 9449 §7.2: a DPoP-bound token is refused under the Bearer scheme, or it would be a bearer token again.
  if (scheme === 'Bearer' && token.jkt !== undefined) return { outcome: 'scheme_mismatch', description: 'a DPoP-bound access token was sent as a Bearer token' };
  if (scheme === 'DPoP' && token.jkt === undefined) return { outcome: 'scheme_mismatch', description: 'the access token is not DPoP-bound' };
  if (token.jkt !== undefined && token.jkt !== proofKey) return { outcome: 'key_mismatch', description: 'the access token is bound to another DPoP key' };
  const boundTo = token['x5t#S256'];
  const { certificate } = request;
  if (boundTo !== undefined && (certificate === undefined || certificateThumbprint(certificate) !== boundTo)) {
    return { outcome: 'certificate_mismatch', description: 'the access token is bound to a client certificate that was not presented' };
  }
  return { outcome: 'ok', clientId: token.clientId, scope: token.scope ?? '' };
}

/** The `WWW-Authenticate` challenge of a refusal, in the scheme the request used; DPoP's names the algorithms it takes (RFC 9449 §7.1). */
function challenge(scheme: 'Bearer' | 'DPoP', error: string, description: string): string {
  const parameters = `realm="api", error="${error}", error_description="${description}"`;
  return scheme === 'DPoP' ? `DPoP ${parameters}, algs="${DPOP_ALGORITHMS.join(' ')}"` : `Bearer ${parameters}`;
}

/** The wire error of each refusal: only a failed proof or a missing nonce are not the token's fault. */
function wireError(outcome: Refusal): 'invalid_token' | 'invalid_dpop_proof' | 'use_dpop_nonce' {
  return outcome === 'invalid_dpop_proof' || outcome === 'use_dpop_nonce' ? outcome : 'invalid_token';
}

function apiHandler(provider: Provider, apiRequests: ApiRequestRecord[], dpop: ApiDpopState) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    serveApi(provider, apiRequests, dpop, req, res).catch((error: unknown) => {
      sendJson(res, 500, { error: 'server_error', error_description: String(error) });
    });
  };
}

async function serveApi(
  provider: Provider,
  apiRequests: ApiRequestRecord[],
  dpop: ApiDpopState,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const method = req.method ?? 'GET';
  const mtls = 'encrypted' in req.socket;
  const url = `${mtls ? 'https' : 'http'}://${req.headers.host ?? HOST}${req.url ?? '/'}`;
  const path = new URL(url).pathname;
  const { authorization } = req.headers;
  const { scheme, accessToken } = parseAuthorization(authorization);
  const proofs = req.headersDistinct.dpop ?? [];
  const certificate = peerCertificate(req.socket);
  const auth = await authenticate(provider, { method, url, scheme, accessToken, proofs, certificate }, dpop);
  const route = `${method} ${path}`;
  const lacksWrite = auth.outcome === 'ok' && route === `GET ${API_PREFIX}/write`
    && !auth.scope.split(' ').includes('write');
  // Every answer, refusals and successes alike, so that a client can keep its nonce current (RFC 9449 §9).
  if (dpop.nonceRequired) res.setHeader('DPoP-Nonce', dpop.nonce);
  const proof = proofs.length === 1 ? await decodeDpopProof(proofs[0]!) : undefined;
  apiRequests.push({
    method,
    path,
    authorization,
    outcome: lacksWrite ? 'insufficient_scope' : auth.outcome,
    ...('description' in auth ? { errorDescription: auth.description } : {}),
    ...(proof === undefined ? {} : { dpop: describeApiProof(proof, accessToken) }),
    ...(dpop.nonceRequired ? { dpopNonceAnswered: dpop.nonce } : {}),
    mtls,
    clientCertificateThumbprint: certificate === undefined ? undefined : certificateThumbprint(certificate),
  });

  if (auth.outcome === 'missing_token') {
    res.setHeader('WWW-Authenticate', 'Bearer realm="api"');
    return sendJson(res, 401, { error: 'missing_token' });
  }
  if (auth.outcome !== 'ok') {
    const error = wireError(auth.outcome);
    res.setHeader('WWW-Authenticate', challenge(scheme ?? 'Bearer', error, auth.description));
    return sendJson(res, 401, { error, error_description: auth.description });
  }
  if (lacksWrite) {
    res.setHeader('WWW-Authenticate', `${scheme} error="insufficient_scope", scope="write"`);
    return sendJson(res, 403, { error: 'insufficient_scope' });
  }

  switch (route) {
    case `GET ${API_PREFIX}/whoami`:
      return sendJson(res, 200, { clientId: auth.clientId, scope: auth.scope });
    case `GET ${API_PREFIX}/write`:
      return sendJson(res, 200, { written: true });
    case `POST ${API_PREFIX}/echo`:
      return echo(req, res);
    default:
      return sendJson(res, 404, { error: 'not_found' });
  }
}

/** A proof for the records: its claims, and whether its `ath` matches the request's token. */
function describeApiProof(proof: DecodedDpopProof, accessToken: string | undefined): ApiDpopRecord {
  const { ath, ...claims } = proof;
  return { ...claims, ath: ath !== undefined && accessToken !== undefined && ath === accessTokenHash(accessToken) };
}

/** Answers with the request body and content-type, so tests can check that a retried request replays its body. */
async function echo(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const contentType = req.headers['content-type'];
  if (contentType !== undefined) res.setHeader('Content-Type', contentType);
  res.writeHead(200).end(Buffer.concat(chunks));
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
}

async function listen(server: Server, scheme: 'http' | 'https'): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, HOST, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return `${scheme}://${HOST}:${port}`;
}

async function closeServer(server: Server): Promise<void> {
  const closed = new Promise<void>((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
  });
  // close() alone waits for keep-alive connections that clients leave open.
  server.closeAllConnections();
  await closed;
}
