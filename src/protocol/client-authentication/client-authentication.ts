/**
 * How the client proves its identity to the token endpoint (RFC 6749 §2.3), one module per method in
 * this folder. A method adds its credentials to one outgoing request; it is called again for every
 * attempt, so methods that sign a fresh assertion per request (RFC 7523) fit the same shape.
 */
export interface ClientAuthentication {
  readonly method: TokenEndpointAuthMethod;
  readonly clientId: string;
  /** The secret texts this method sends, exactly as sent, so that an echo of any of them can be found and redacted. */
  readonly secrets: readonly string[];
  /** Adds the credentials to a request to `endpoint` (the token or the revocation endpoint). */
  apply(request: { headers: Headers; body: URLSearchParams; endpoint: URL }): void | Promise<void>;
}

/** The client authentication methods of the IANA registry that a client-credentials client can meet. */
export type TokenEndpointAuthMethod =
  | 'client_secret_basic'
  | 'client_secret_post'
  | 'client_secret_jwt'
  | 'private_key_jwt'
  | 'tls_client_auth'
  | 'self_signed_tls_client_auth';
