import { ConfigurationError } from '../errors.ts';
import { isCryptoKey } from '../keys/key-shape.ts';
import type { TokenSealing, TokenStore } from './token-store.ts';

/** The options of the configuration that concern a shared store, as given. */
export interface StoreOptions {
  readonly tokenStore?: unknown;
  readonly tokenStoreTimeout?: unknown;
  /** The client's secrets, which the sealing key is derived from when the store gives none. */
  readonly clientSecret: string | undefined;
  readonly privateKey: unknown;
}

/** A shared store, checked: what `SharedTokenSource` runs on. */
export interface StoreSettings {
  readonly store: TokenStore;
  /** Milliseconds each store call may take before the client goes on without the store. */
  readonly timeout: number;
  readonly sealing: TokenSealing | undefined;
  /** The bytes the sealing key is derived from, when `sealing` gives no key. */
  readonly secretMaterial: (() => Promise<Uint8Array>) | undefined;
}

const DEFAULT_TIMEOUT = 1_000;
const METHODS = ['get', 'set', 'setIfAbsent', 'expireIf', 'deleteIf'] as const;

/** Checks `tokenStore` and `tokenStoreTimeout`; `undefined` when there is no store. */
export function storeSettingsOf(options: StoreOptions): StoreSettings | undefined {
  const { tokenStore, tokenStoreTimeout = DEFAULT_TIMEOUT } = options;
  if (tokenStore === undefined) {
    if (options.tokenStoreTimeout !== undefined) throw new ConfigurationError('tokenStoreTimeout is set but there is no tokenStore.');
    return undefined;
  }
  const missing = METHODS.filter((method) => typeof (tokenStore as Record<string, unknown> | null)?.[method] !== 'function');
  if (typeof tokenStore !== 'object' || tokenStore === null || missing.length > 0) {
    throw new ConfigurationError(`tokenStore must be a TokenStore (MemoryTokenStore, RedisTokenStore, FileTokenStore or your own); it lacks ${missing.join(', ')}.`);
  }
  if (typeof tokenStoreTimeout !== 'number' || !(tokenStoreTimeout > 0) || tokenStoreTimeout > 60_000) {
    throw new ConfigurationError('tokenStoreTimeout must be a number of milliseconds above 0 and at most 60 000.');
  }
  const store = tokenStore as TokenStore;
  const sealing = store.sealing;
  const secretMaterial = sealing === undefined ? secretMaterialOf(options) : undefined;
  if (sealing === undefined && secretMaterial === undefined) {
    throw new ConfigurationError(
      "tokenStore seals tokens with a key derived from the client's secret, and this client has none that can be read (mTLS, a non-extractable CryptoKey, a client assertion or a token provider). Give the store an encryptionKey, the same on every process, or unencrypted: true.",
    );
  }
  return { store, timeout: tokenStoreTimeout, sealing, secretMaterial };
}

const encoder = new TextEncoder();

/**
 * The client's own secret as bytes: its client secret, else its private key (the PEM text, a JWK's private
 * members, or an extractable CryptoKey's PKCS#8). Every process of a fleet holds the same one, so each
 * derives the same sealing key, and no one without it can open the values.
 */
function secretMaterialOf({ clientSecret, privateKey }: StoreOptions): (() => Promise<Uint8Array>) | undefined {
  if (clientSecret !== undefined) return async () => encoder.encode(clientSecret);
  if (typeof privateKey === 'string') return async () => encoder.encode(privateKey);
  if (isCryptoKey(privateKey)) {
    if (!privateKey.extractable) return undefined;
    return async () => new Uint8Array(await crypto.subtle.exportKey('pkcs8', privateKey as Parameters<typeof crypto.subtle.exportKey>[1]));
  }
  if (typeof privateKey === 'object' && privateKey !== null) {
    const jwk = privateKey as Record<string, unknown>;
    const secret = ['d', 'p', 'q', 'k'].map((member) => (typeof jwk[member] === 'string' ? jwk[member] : '')).join('.');
    if (secret !== '...') return async () => encoder.encode(secret);
  }
  return undefined;
}
