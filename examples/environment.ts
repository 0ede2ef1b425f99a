// Where the examples find the authorization server and the API. The test suite points these at its own
// oidc-provider; point them at yours to try an example by hand. Each variable is read when an example
// first uses it, so an example asks only for what it needs.
import { readFileSync } from 'node:fs';

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`Set ${name} to run this example.`);
  return value;
}

function optional(name: string): string | undefined {
  return process.env[name] || undefined;
}

/** The contents of the file a variable names: keys and certificates are kept in files, not in variables. */
function fileNamedBy(name: string): string {
  return readFileSync(required(name), 'utf8');
}

export const environment = {
  get baseUrl() { return required('API_BASE_URL'); },
  get tokenUrl() { return required('TOKEN_URL'); },
  get clientId() { return required('CLIENT_ID'); },
  get clientSecret() { return required('CLIENT_SECRET'); },
  /** A file standing in for "your database" in the examples that store tokens. */
  get tokenDatabase() { return process.env.TOKEN_DATABASE ?? 'token-database.json'; },

  /** The authorization server's issuer identifier, for discovery (RFC 8414) instead of TOKEN_URL. */
  get issuer() { return required('ISSUER'); },
  /** private_key_jwt: the client's private key, a PKCS#8 PEM file. */
  get privateKey() { return fileNamedBy('PRIVATE_KEY_FILE'); },
  /** The `kid` the server registered the key under, if it needs one to pick the key. */
  get privateKeyId() { return optional('PRIVATE_KEY_ID'); },
  /** Workload identity: the file the platform keeps a fresh assertion in (a projected service-account token). */
  get clientAssertionFile() { return required('CLIENT_ASSERTION_FILE'); },
  /** mTLS: the client certificate and its key (PEM files), and the CA that signed the servers' certificates, if not a public one. */
  get clientCertificate() { return fileNamedBy('CLIENT_CERTIFICATE_FILE'); },
  get clientCertificateKey() { return fileNamedBy('CLIENT_CERTIFICATE_KEY_FILE'); },
  /** tls_client_auth (a certificate a CA issued, registered by its subject) or self_signed_tls_client_auth (registered by the certificate itself). */
  get tlsClientAuthMethod() {
    return process.env.TLS_CLIENT_AUTH_METHOD === 'self_signed_tls_client_auth' ? 'self_signed_tls_client_auth' : 'tls_client_auth';
  },
  get certificateAuthority() { return optional('CA_FILE') === undefined ? undefined : fileNamedBy('CA_FILE'); },
  /** Resource indicators (RFC 8707): two APIs behind the same authorization server. */
  get resourceOne() { return required('RESOURCE_ONE'); },
  get resourceTwo() { return required('RESOURCE_TWO'); },
};
