import { ConfigurationError } from '../../errors.ts';
import { privateSigningKey, secretSigningKey, type SigningKey } from '../../keys/signing-key.ts';
import { optionalFunction, optionalText } from '../../options.ts';
import type { ClientAuthentication, TokenEndpointAuthMethod } from './client-authentication.ts';
import { clientSecretBasic } from './client-secret-basic.ts';
import { clientSecretPost } from './client-secret-post.ts';
import { jwtAssertion, providedAssertion } from './jwt-assertion.ts';
import { tlsClientAuth } from './tls-client-auth.ts';

/** What the configuration says about how the client authenticates, before it is checked. */
export interface AuthenticationOptions {
  readonly method: unknown;
  readonly clientId: string | undefined;
  readonly clientSecret: string | undefined;
  readonly privateKey: unknown;
  readonly privateKeyId: unknown;
  readonly signingAlgorithm: unknown;
  readonly assertion: unknown;
  readonly encodeBasicCredentials: boolean;
  /** `mtls` when the fetch is `mtlsFetch` (it says so), `custom` for any other fetch given, else `none`. */
  readonly clientCertificate: 'mtls' | 'custom' | 'none';
}

/** How the client can authenticate: checked at construction, made into a {@link ClientAuthentication} once the endpoint is known. */
export interface AuthenticationSettings {
  readonly clientId: string;
  /** The method configured, if one was; else it is chosen from {@link allowed} (and, with discovery, what the server supports). */
  readonly method: TokenEndpointAuthMethod | undefined;
  /** The methods the credentials allow, most preferred first. */
  readonly allowed: readonly TokenEndpointAuthMethod[];
  /** The secret texts any of these methods may send (the secret, its Basic values), for redaction. */
  readonly secrets: readonly string[];
  /** Makes the method's authentication; `audience` names the authorization server to an assertion. */
  create(method: TokenEndpointAuthMethod, audience: (endpoint: URL) => string): ClientAuthentication;
}

const METHODS: readonly TokenEndpointAuthMethod[] = [
  'client_secret_basic',
  'client_secret_post',
  'client_secret_jwt',
  'private_key_jwt',
  'tls_client_auth',
  'self_signed_tls_client_auth',
];

/**
 * The order in which a method is chosen when none is configured (the and FAPI's preference: keys
 * and certificates over a shared secret); client_secret_jwt and self_signed_tls_client_auth are only ever
 * used when configured.
 */
const PREFERENCE: readonly TokenEndpointAuthMethod[] = ['private_key_jwt', 'tls_client_auth', 'client_secret_basic', 'client_secret_post'];

/**
 * Without the server's list, a certificate is taken for authentication only when there is no other
 * credential: `mtlsFetch` beside a secret is more often there to bind tokens (RFC 8705 §3) than to replace
 * the secret, and a wrong guess would fail every request.
 */
const PREFERENCE_UNLISTED: readonly TokenEndpointAuthMethod[] = ['private_key_jwt', 'client_secret_basic', 'client_secret_post', 'tls_client_auth'];

/** RFC 8414 §2: a server that lists no methods supports client_secret_basic. */
const DEFAULT_SUPPORTED = ['client_secret_basic'];

/** Checks the authentication options; `undefined` when there is no client id (tokens then come from a provider or are handed in). */
export function authenticationSettings(options: AuthenticationOptions): AuthenticationSettings | undefined {
  const { clientId, clientSecret } = options;
  const method = configuredMethod(options.method);
  const hasKey = options.privateKey !== undefined;
  const assertion = optionalFunction<() => string | Promise<string>>(options.assertion, 'oAuthClientAssertion');
  if (clientId === undefined) {
    if (clientSecret !== undefined || hasKey || assertion) throw new ConfigurationError('oAuthClientId is required with a client secret, a private key or an assertion.');
    if (method !== undefined) throw new ConfigurationError(`tokenEndpointAuthMethod "${method}" needs oAuthClientId.`);
    return undefined;
  }
  if (hasKey && assertion) throw new ConfigurationError('Give oAuthPrivateKey or oAuthClientAssertion, not both: each is a way to make the assertion.');
  const algorithm = optionalText(options.signingAlgorithm, 'oAuthSigningAlgorithm');
  const keyId = optionalText(options.privateKeyId, 'oAuthPrivateKeyId');
  const hmac = method === 'client_secret_jwt' || (method === undefined && !hasKey && algorithm?.startsWith('HS') === true);
  if (hasKey && method !== undefined && method !== 'private_key_jwt') throw new ConfigurationError(`oAuthPrivateKey is for private_key_jwt, not ${method}.`);
  const signingKey: SigningKey | undefined = hasKey
    ? privateSigningKey(options.privateKey, { algorithm, keyId, name: 'oAuthPrivateKey' })
    : hmac && clientSecret !== undefined
      ? secretSigningKey(clientSecret, { algorithm })
      : undefined;
  if (algorithm !== undefined && signingKey === undefined) {
    throw new ConfigurationError('oAuthSigningAlgorithm needs oAuthPrivateKey (private_key_jwt) or oAuthClientSecret with client_secret_jwt.');
  }

  const allowed = PREFERENCE.filter((candidate) => {
    if (candidate === 'private_key_jwt') return hasKey || assertion !== undefined;
    if (candidate === 'tls_client_auth') return options.clientCertificate === 'mtls';
    return clientSecret !== undefined && !hmac;
  });
  const chosen = method ?? (hmac ? 'client_secret_jwt' : undefined);
  if (chosen !== undefined) requireCredential(chosen, { clientSecret, signingKey, assertion, clientCertificate: options.clientCertificate });
  else if (allowed.length === 0) {
    throw new ConfigurationError(
      'oAuthClientId needs a credential: oAuthClientSecret, oAuthPrivateKey, oAuthClientAssertion, or a client certificate (fetch: mtlsFetch({ cert, key }) from oauth-ccg/node).',
    );
  }

  return {
    clientId,
    method: chosen,
    allowed: chosen === undefined ? allowed : [chosen],
    secrets: clientSecret === undefined ? [] : [clientSecret, ...clientSecretBasic(clientId, clientSecret, { encoded: options.encodeBasicCredentials }).secrets],
    create(selected, audience) {
      switch (selected) {
        case 'client_secret_basic':
          return clientSecretBasic(clientId, clientSecret!, { encoded: options.encodeBasicCredentials });
        case 'client_secret_post':
          return clientSecretPost(clientId, clientSecret!);
        case 'client_secret_jwt':
        case 'private_key_jwt':
          return assertion ? providedAssertion(clientId, assertion) : jwtAssertion({ method: selected, clientId, key: signingKey!, audience });
        case 'tls_client_auth':
        case 'self_signed_tls_client_auth':
          return tlsClientAuth(selected, clientId);
      }
    },
  };
}

/**
 * The method to use: the configured one, or the first the credentials allow. With discovery, `supported`
 * is the server's `token_endpoint_auth_methods_supported` (`null` when it lists none: RFC 8414 §2 then
 * means client_secret_basic alone), and the first allowed method the server supports is taken.
 */
export function chooseMethod(settings: AuthenticationSettings, supported?: readonly string[] | null): TokenEndpointAuthMethod {
  if (settings.method !== undefined) return settings.method;
  if (supported === undefined) return PREFERENCE_UNLISTED.find((method) => settings.allowed.includes(method))!;
  const listed = supported ?? DEFAULT_SUPPORTED;
  const chosen = settings.allowed.find((method) => listed.includes(method));
  if (chosen === undefined) {
    throw new ConfigurationError(
      `The authorization server supports ${listed.join(', ')}; the credentials configured allow ${settings.allowed.join(', ')}. Configure a credential for one of the server's methods.`,
    );
  }
  return chosen;
}

function configuredMethod(value: unknown): TokenEndpointAuthMethod | undefined {
  if (value === undefined) return undefined;
  if (!METHODS.includes(value as TokenEndpointAuthMethod)) {
    throw new ConfigurationError(`tokenEndpointAuthMethod "${String(value)}" is not supported; use one of ${METHODS.join(', ')}.`);
  }
  return value as TokenEndpointAuthMethod;
}

function requireCredential(
  method: TokenEndpointAuthMethod,
  has: { clientSecret: string | undefined; signingKey: SigningKey | undefined; assertion: unknown; clientCertificate: AuthenticationOptions['clientCertificate'] },
): void {
  switch (method) {
    case 'client_secret_basic':
    case 'client_secret_post':
    case 'client_secret_jwt':
      if (has.clientSecret === undefined) throw new ConfigurationError(`${method} needs oAuthClientSecret.`);
      return;
    case 'private_key_jwt':
      if (has.signingKey === undefined && has.assertion === undefined) {
        throw new ConfigurationError('private_key_jwt needs oAuthPrivateKey (a CryptoKey, a private JWK or a PKCS#8 PEM) or oAuthClientAssertion.');
      }
      return;
    case 'tls_client_auth':
    case 'self_signed_tls_client_auth':
      if (has.clientCertificate === 'none') {
        throw new ConfigurationError(
          `${method} needs a fetch that presents the client certificate: fetch: mtlsFetch({ cert, key }) from oauth-ccg/node, or your runtime's (see the README).`,
        );
      }
      return;
  }
}
