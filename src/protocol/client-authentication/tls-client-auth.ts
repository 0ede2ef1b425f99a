import type { ClientAuthentication } from './client-authentication.ts';

/**
 * The mark of a fetch that presents a client certificate on every connection (`mtlsFetch` from
 * `oauth-ccg/node` carries it): with it, tls_client_auth can be chosen without being configured, and
 * discovery's mTLS endpoint aliases are used.
 */
export const CLIENT_CERTIFICATE = Symbol.for('oauth-ccg.client-certificate');

/**
 * tls_client_auth and self_signed_tls_client_auth (RFC 8705 §2): the client's certificate, presented by
 * the `fetch` on the TLS connection, is its credential; the request only names the client.
 */
export function tlsClientAuth(method: 'tls_client_auth' | 'self_signed_tls_client_auth', clientId: string): ClientAuthentication {
  return {
    method,
    clientId,
    secrets: [],
    apply: ({ body }) => body.set('client_id', clientId),
  };
}
