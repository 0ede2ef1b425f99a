import { ConfigurationError } from '../errors.ts';
import type { TokenSealing, TokenSealingOptions } from './token-store.ts';

/** The fewest bytes of keying material an `encryptionKey` may have: 128 bits. */
const MIN_KEY_BYTES = 16;

/** Checks a store's `encryptionKey` and `unencrypted` options; `undefined` means "derive from the client's secret". */
export function sealingOf(options: TokenSealingOptions, storeName: string): TokenSealing | undefined {
  const { encryptionKey, unencrypted } = options;
  if (unencrypted !== undefined && typeof unencrypted !== 'boolean') throw new ConfigurationError(`${storeName}: unencrypted must be true or false.`);
  if (encryptionKey === undefined) return unencrypted ? { unencrypted: true } : undefined;
  if (unencrypted) throw new ConfigurationError(`${storeName}: give encryptionKey or unencrypted: true, not both.`);
  const bytes = typeof encryptionKey === 'string' ? new TextEncoder().encode(encryptionKey) : encryptionKey;
  if (!(bytes instanceof Uint8Array) || bytes.byteLength < MIN_KEY_BYTES) {
    throw new ConfigurationError(
      `${storeName}: encryptionKey must be a string or Uint8Array of at least ${MIN_KEY_BYTES} bytes of secret keying material, the same on every process (e.g. 32 random bytes, base64).`,
    );
  }
  return { encryptionKey: typeof encryptionKey === 'string' ? encryptionKey : Uint8Array.from(encryptionKey) };
}
