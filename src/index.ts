/**
 * oauth-ccg: the OAuth 2.0 Client Credentials Grant (RFC 6749 §4.4) for servers, jobs and SDKs.
 *
 * - {@link Client}: an API client whose `fetch` carries a token, fetched on first use and renewed ahead of expiry.
 * - {@link ClientCredentialsAuthManager}: the token holder on its own, for callers that only need tokens.
 * - {@link TokenStore}: where processes share tokens; {@link MemoryTokenStore} shares them within one.
 * - Errors: every one is an {@link OAuthCcgError}; none ever contains a secret or a token.
 */
export { Client } from './client/client.ts';
export { ClientCredentialsAuthManager, type AdditionalTokenParams } from './client/auth-manager.ts';
export type { ClientConfiguration, ClientCredentialsAuthCredentials, OAuthTokenProvider } from './client/configuration.ts';
export type { TokenEndpointAuthMethod } from './protocol/client-authentication/client-authentication.ts';
export type { Jwk, PrivateKeyInput, WebCryptoKey, WebCryptoKeyAlgorithm } from './keys/key-shape.ts';
export type { DpopOption } from './keys/dpop-key.ts';
export type { AsyncDisposableByClose, AsyncDisposeKey } from './disposable.ts';
export type { OAuthToken, OAuthTokenInput } from './token.ts';
export { MemoryTokenStore } from './stores/memory-token-store.ts';
export type { TokenSealing, TokenSealingOptions, TokenStore } from './stores/token-store.ts';
export type { OAuthEvent, OAuthEventListener, TokenSummary } from './events.ts';
export {
  ApiError,
  ClientAssertionError,
  ClientClosedError,
  ConfigurationError,
  DiscoveryError,
  InvalidTokenError,
  NetworkError,
  OAuthCcgError,
  OAuthProviderError,
  TimeoutError,
} from './errors.ts';
