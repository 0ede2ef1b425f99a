// Mutual TLS (RFC 8705): the client certificate is the credential. mtlsFetch presents it on every
// connection, to the token endpoint and to the API alike, so the server can bind the token to the
// certificate (cnf.x5t#S256) and the API accepts it only from the holder of the certificate. With issuer,
// the token endpoint comes from the server's metadata: its mtls_endpoint_aliases, since a certificate is presented.
//
// TLS_CLIENT_AUTH_METHOD picks tls_client_auth (the default: a certificate a CA issued) or
// self_signed_tls_client_auth (a self-signed certificate the server has registered).
import { Client } from 'oauth-ccg';
import { mtlsFetch } from 'oauth-ccg/node';
import { environment } from './environment.ts';

const client = new Client({
  baseUrl: environment.baseUrl,
  issuer: environment.issuer,
  tokenEndpointAuthMethod: environment.tlsClientAuthMethod,
  fetch: mtlsFetch({
    cert: environment.clientCertificate,
    key: environment.clientCertificateKey,
    ca: environment.certificateAuthority,
  }),
  clientCredentialsAuthCredentials: { oAuthClientId: environment.clientId },
});

const response = await client.fetch('/whoami');
console.log(`${environment.tlsClientAuthMethod} call:`, response.status, await response.text());
