/**
 * How the client proves its identity to the token endpoint (RFC 6749 §2.3). Each method adds its
 * credentials to one outgoing request; it is called again for every attempt, so methods that sign a
 * fresh assertion per request (private_key_jwt, RFC 7523) fit the same shape.
 */
export interface ClientAuthentication {
  readonly method: TokenEndpointAuthMethod;
  readonly clientId: string;
  /** The secret texts this method sends, exactly as sent, so that an echo of any of them can be found and redacted. */
  readonly secrets: readonly string[];
  apply(request: { headers: Headers; body: URLSearchParams }): void | Promise<void>;
}

/** How the client authenticates to the token endpoint (RFC 6749 §2.3.1): HTTP Basic, or the id and secret in the form body. */
export type TokenEndpointAuthMethod = 'client_secret_basic' | 'client_secret_post';

/** client_secret_basic: HTTP Basic with the id and secret form-urlencoded first, as RFC 6749 §2.3.1 requires. */
export function clientSecretBasic(clientId: string, clientSecret: string): ClientAuthentication {
  const credentials = encodeBasicCredentials(clientId, clientSecret);
  const authorization = `Basic ${credentials}`;
  return {
    method: 'client_secret_basic',
    clientId,
    secrets: [clientSecret, credentials],
    apply: ({ headers }) => headers.set('authorization', authorization),
  };
}

/** client_secret_post: the id and secret as form parameters of the token request body. */
export function clientSecretPost(clientId: string, clientSecret: string): ClientAuthentication {
  return {
    method: 'client_secret_post',
    clientId,
    secrets: [clientSecret],
    apply: ({ body }) => {
      body.set('client_id', clientId);
      body.set('client_secret', clientSecret);
    },
  };
}

/**
 * `base64(formUrlEncode(id) + ":" + formUrlEncode(secret))` (RFC 6749 §2.3.1 and Appendix B).
 * Plain `base64(id:secret)` breaks for any id or secret with `:`, `%`, `+` or non-ASCII characters.
 */
export function encodeBasicCredentials(clientId: string, clientSecret: string): string {
  // After form-urlencoding the text is ASCII, so btoa's Latin-1 restriction cannot bite.
  return btoa(`${formUrlEncode(clientId)}:${formUrlEncode(clientSecret)}`);
}

/** The application/x-www-form-urlencoded serialisation of one value, exactly as URLSearchParams writes it. */
function formUrlEncode(value: string): string {
  return new URLSearchParams([['', value]]).toString().slice(1);
}
