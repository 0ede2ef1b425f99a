// oidc-provider ships no type declarations; this covers only the part of its
// API that the test harness uses (see node_modules/oidc-provider/lib).
declare module 'oidc-provider' {
  import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
  import type { Socket } from 'node:net';
  import type { X509Certificate } from 'node:crypto';

  export type ClientAuthMethod =
    | 'client_secret_basic'
    | 'client_secret_post'
    | 'client_secret_jwt'
    | 'private_key_jwt'
    | 'tls_client_auth'
    | 'self_signed_tls_client_auth';

  export interface Client {
    clientId: string;
    /** The registered token_endpoint_auth_method. */
    clientAuthMethod: ClientAuthMethod;
  }

  /** Model of a token issued by the client_credentials grant (models/client_credentials.js). */
  export interface ClientCredentials {
    clientId: string;
    scope?: string;
    /** The resource server's identifier (RFC 8707). */
    aud?: string | string[];
    /** The thumbprint of the client certificate the token is bound to (RFC 8705). */
    'x5t#S256'?: string;
    /** The JWK thumbprint (RFC 7638) of the DPoP key the token is bound to (RFC 9449 `cnf.jkt`). */
    jkt?: string;
    readonly isExpired: boolean;
    destroy(): Promise<void>;
  }

  export interface ResourceServerInfo {
    scope: string;
    accessTokenFormat?: 'opaque' | 'jwt';
  }

  export interface ClientMetadata {
    client_id: string;
    client_secret?: string;
    grant_types: string[];
    response_types: string[];
    redirect_uris: string[];
    scope: string;
    token_endpoint_auth_method: ClientAuthMethod;
    token_endpoint_auth_signing_alg?: string;
    jwks?: { keys: object[] };
    tls_client_auth_subject_dn?: string;
    tls_client_certificate_bound_access_tokens?: boolean;
  }

  export interface Configuration {
    clients?: ClientMetadata[];
    scopes?: string[];
    /** The token_endpoint_auth_methods clients may register (default: the secret and JWT methods, and none). */
    clientAuthMethods?: ClientAuthMethod[];
    routes?: { token?: string; revocation?: string };
    /** Extra members of the discovery document. */
    discovery?: Record<string, unknown>;
    /** Algorithm allow-lists; `dPoPSigningAlgValues` defaults to ES256, Ed25519 and EdDSA. */
    enabledJWA?: { dPoPSigningAlgValues?: string[] };
    clientBasedCORS?: (ctx: KoaContext, origin: string, client: Client) => boolean;
    ttl?: {
      ClientCredentials?: (ctx: KoaContext, token: ClientCredentials, client: Client) => number;
    };
    features?: {
      clientCredentials?: { enabled: boolean };
      devInteractions?: { enabled: boolean };
      revocation?: { enabled: boolean };
      mTLS?: {
        enabled: boolean;
        certificateBoundAccessTokens?: boolean;
        tlsClientAuth?: boolean;
        selfSignedTlsClientAuth?: boolean;
        getCertificate?: (ctx: KoaContext) => X509Certificate | string | undefined;
        certificateAuthorized?: (ctx: KoaContext) => boolean;
        certificateSubjectMatches?: (ctx: KoaContext, property: string, expected: string) => boolean;
      };
      /** On by default: a token request with a valid DPoP proof gets a token bound to its key. */
      dPoP?: {
        enabled: boolean;
        /** 32 bytes; without it the provider neither issues nor accepts nonces. */
        nonceSecret?: Buffer;
        /** Asked per request: whether a proof without a (valid) nonce is answered 400 use_dpop_nonce. */
        requireNonce?: (ctx: KoaContext) => boolean;
      };
      resourceIndicators?: {
        enabled: boolean;
        defaultResource?: (ctx: KoaContext, client: Client, oneOf?: string[]) => Promise<string | string[] | undefined>;
        getResourceServerInfo?: (ctx: KoaContext, resourceIndicator: string, client: Client) => Promise<ResourceServerInfo>;
      };
    };
  }

  /** `ctx.oidc`, only present on requests that matched a provider route. */
  export interface OIDCContext {
    /** The client that was looked up, set even if its authentication then failed. */
    readonly client: Client | undefined;
    /** The parsed request body, before any provider processing. */
    readonly body: Record<string, string | string[]> | undefined;
  }

  export interface KoaContext {
    readonly method: string;
    readonly path: string;
    /** The request's socket: a TLSSocket on an https server. */
    readonly socket: Socket;
    set(field: string, value: string): void;
    readonly response: { get(field: string): string | undefined };
    readonly headers: IncomingHttpHeaders;
    status: number;
    body: unknown;
    readonly oidc?: OIDCContext;
  }

  export type Middleware = (ctx: KoaContext, next: () => Promise<void>) => Promise<void>;

  export class Provider {
    constructor(issuer: string, configuration?: Configuration);
    readonly issuer: string;
    readonly ClientCredentials: {
      find(value: string): Promise<ClientCredentials | undefined>;
    };
    use(middleware: Middleware): this;
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
  }

  export const errors: {
    /** 400 invalid_target: the requested resource is unknown. */
    InvalidTarget: new () => Error;
  };

  export default Provider;
}
