// A fetch that presents a client certificate (RFC 8705 mutual TLS) on every connection it opens. Node's
// own fetch cannot be given a certificate; undici's can, through a dispatcher of its own.
import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { Agent, fetch as undiciFetch, Request as UndiciRequest } from 'undici';
import { ConfigurationError } from '../errors.ts';
import { CLIENT_CERTIFICATE } from '../protocol/client-authentication/tls-client-auth.ts';

/** The client certificate {@link mtlsFetch} presents, and the authorities it trusts. All PEM strings. */
export interface MtlsFetchOptions {
  /** The client certificate (`-----BEGIN CERTIFICATE-----`), optionally followed by its intermediates. */
  cert: string;
  /** The certificate's private key (`-----BEGIN PRIVATE KEY-----`, or an RSA, EC or encrypted PEM key). */
  key: string;
  /** Certificate authorities to trust for the servers' certificates, instead of Node's default ones. */
  ca?: string | readonly string[];
  /** The passphrase of an encrypted `key`. */
  passphrase?: string;
}

/**
 * A `fetch` that presents a client certificate on every connection, for the token endpoint and the API alike,
 * so that `tls_client_auth`, `self_signed_tls_client_auth` and certificate-bound access tokens (RFC 8705) work.
 * Give it as the `fetch` option of a `Client` or `ClientCredentialsAuthManager`.
 *
 * It is built on the `undici` package (an optional peer dependency: `npm install undici`) and always sends
 * through its own connection pool: a `dispatcher` given in a request's init is ignored, since another
 * dispatcher would open connections without the certificate.
 *
 * @throws {ConfigurationError} if `cert` or `key` is missing, not PEM, unreadable, or the key is not the
 *   certificate's, or a `ca` is not a PEM certificate. Messages never contain the key.
 */
export function mtlsFetch(options: MtlsFetchOptions): typeof fetch {
  const { cert, key, ca, passphrase } = checked(options);
  const agent = new Agent({ connect: { cert, key, ca: ca === undefined ? undefined : [...ca], passphrase } });
  // Named so that inspecting it says what it is; the certificate and key live only in the agent's closure.
  const fetchWithClientCertificate = (input: FetchInput, init?: RequestInit): Promise<Response> =>
    undiciFetch(asUndiciInput(input), { ...(init as object), dispatcher: agent }) as unknown as Promise<Response>;
  // Says that it presents a certificate: tls_client_auth may then be chosen, and mTLS endpoint aliases are used.
  Object.defineProperty(fetchWithClientCertificate, CLIENT_CERTIFICATE, { value: true });
  return fetchWithClientCertificate as typeof fetch;
}

type FetchInput = Parameters<typeof fetch>[0];

/**
 * undici's fetch reads a `Request` of another copy of undici (Node's built-in one, which makes the global
 * `Request`) as a string: the request is rebuilt as one of its own, its body still streamed.
 */
function asUndiciInput(input: FetchInput): string | URL | UndiciRequest {
  if (typeof input === 'string' || input instanceof URL || input instanceof UndiciRequest) return input;
  return new UndiciRequest(input.url, {
    method: input.method,
    headers: [...input.headers],
    body: input.body,
    duplex: 'half',
    redirect: input.redirect,
    signal: input.signal,
  });
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/;
const PEM_PRIVATE_KEY = /-----BEGIN (?:RSA |EC |ENCRYPTED )?PRIVATE KEY-----[\s\S]+?-----END (?:RSA |EC |ENCRYPTED )?PRIVATE KEY-----/;

/** The options, checked now so that a wrong certificate or key fails at configuration, not at the first request. */
function checked(options: MtlsFetchOptions): MtlsFetchOptions & { ca?: readonly string[] } {
  const { cert, key, passphrase } = options ?? {};
  if (typeof cert !== 'string' || !PEM_CERTIFICATE.test(cert)) {
    throw new ConfigurationError('mtlsFetch needs `cert`: the client certificate as a PEM string (-----BEGIN CERTIFICATE-----).');
  }
  if (typeof key !== 'string' || !PEM_PRIVATE_KEY.test(key)) {
    throw new ConfigurationError("mtlsFetch needs `key`: the client certificate's private key as a PEM string (-----BEGIN PRIVATE KEY-----).");
  }
  if (passphrase !== undefined && typeof passphrase !== 'string') throw new ConfigurationError('mtlsFetch: `passphrase` must be a string.');
  const certificate = parseCertificate(cert, '`cert`');
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key, format: 'pem', ...(passphrase === undefined ? {} : { passphrase }) });
  } catch {
    // Node's reason is not passed on: nothing that reads the key goes into an error.
    throw new ConfigurationError('mtlsFetch: `key` could not be read as a private key (an encrypted key needs `passphrase`).');
  }
  if (!certificate.checkPrivateKey(privateKey)) {
    throw new ConfigurationError("mtlsFetch: `key` is not the private key of `cert`.");
  }
  const ca = options.ca === undefined ? undefined : typeof options.ca === 'string' ? [options.ca] : options.ca;
  for (const authority of ca ?? []) parseCertificate(authority, '`ca`');
  return { cert, key, ...(ca === undefined ? {} : { ca }), ...(passphrase === undefined ? {} : { passphrase }) };
}

function parseCertificate(pem: unknown, name: string): X509Certificate {
  try {
    if (typeof pem !== 'string') throw new TypeError();
    return new X509Certificate(pem);
  } catch {
    throw new ConfigurationError(`mtlsFetch: ${name} is not a PEM certificate (-----BEGIN CERTIFICATE-----).`);
  }
}
