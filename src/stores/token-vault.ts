import type { OAuthEvent } from '../events.ts';
import { base64Url, sha256Base64Url } from '../keys/base64url.ts';
import { leaseToken, type TokenLease } from '../token.ts';
import type { TokenSealing } from './token-store.ts';

/** Why a stored value was not used; see the `store-value-ignored` event. */
export type IgnoredReason = Extract<OAuthEvent, { type: 'store-value-ignored' }>['reason'];

/** A stored value as read back: a token, or why there is none. */
export type Unsealed = { readonly lease: TokenLease } | { readonly ignored: IgnoredReason };

/**
 * One token identity's place in a store: its keys, and the sealing of its values. A store sees only what
 * this makes: digests for keys and sealed strings for values, never a token, a secret or the identity.
 */
export interface TokenVault {
  /** `<digest>:token`: where the identity's token is kept. */
  readonly tokenKey: string;
  /** `<digest>:lock`: the lease of the process fetching a token for everyone. */
  readonly lockKey: string;
  /** Rejects only when the sealing key could not be derived, as {@link unseal} does. */
  seal(lease: TokenLease): Promise<string>;
  /** Reads a value back; anything that is not a sealed token of this identity is refused, never trusted. */
  unseal(value: string): Promise<Unsealed>;
}

export interface VaultOptions {
  /** The canonical text of the token identity (see `tokenIdentity`): it holds no secret. */
  readonly identity: string;
  /** The DPoP key's thumbprint: a DPoP-bound token is only of use with its key. */
  readonly dpopThumbprint: string | undefined;
  readonly sealing: TokenSealing | undefined;
  /** The client's own secret material, when `sealing` gives no key: what the sealing key is derived from. */
  readonly secretMaterial: (() => Promise<Uint8Array>) | undefined;
  /** Token types the client accepts: a stored token of another type is refused. */
  readonly tokenTypes: readonly string[];
  readonly defaultLifetime: number;
}

const FORMAT = { sealed: 'v1', plain: 'p1' } as const;
const encoder = new TextEncoder();

/**
 * Opens the vault of one identity. The key digest is SHA-256 over the identity, which holds no secret, so
 * a key reveals nothing that can be reversed or brute-forced into a secret. The sealing key is HKDF-SHA-256
 * of the secret material, bound to the digest, and each value is AES-256-GCM with a fresh IV and the
 * digest as associated data: a value moved under another key, or sealed with another secret, fails to open.
 */
export async function openVault(options: VaultOptions): Promise<TokenVault> {
  const digest = await sha256Base64Url(`oauth-ccg token identity v1\n${options.identity}\n${options.dpopThumbprint ?? ''}`);
  // Derived while the caller reads the store (the keys need only the digest); seal and unseal wait for it,
  // and reject as it does.
  const aesKey = options.sealing && 'unencrypted' in options.sealing ? undefined : sealingKey(options, digest);
  aesKey?.catch(() => {});
  const additionalData = encoder.encode(digest);

  const payloadOf = (lease: TokenLease) => JSON.stringify({ id: digest, token: lease.token, obtainedAt: lease.obtainedAt, expiresAt: lease.expiresAt });

  return {
    tokenKey: `${digest}:token`,
    lockKey: `${digest}:lock`,
    async seal(lease) {
      if (!aesKey) return `${FORMAT.plain}.${base64Url(encoder.encode(payloadOf(lease)))}`;
      const iv = crypto.getRandomValues(new Uint8Array(12));
      const sealed = await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData }, await aesKey, encoder.encode(payloadOf(lease)));
      return `${FORMAT.sealed}.${base64Url(iv)}.${base64Url(new Uint8Array(sealed))}`;
    },
    async unseal(value) {
      const parts = typeof value === 'string' ? value.split('.') : [];
      let plaintext: Uint8Array;
      if (aesKey && parts.length === 3 && parts[0] === FORMAT.sealed) {
        const [, iv, sealed] = parts.map(fromBase64Url);
        if (!iv || !sealed || iv.byteLength !== 12) return { ignored: 'malformed' };
        const key = await aesKey;
        try {
          plaintext = new Uint8Array(await crypto.subtle.decrypt({ name: 'AES-GCM', iv, additionalData }, key, sealed));
        } catch {
          return { ignored: 'undecryptable' };
        }
      } else if (!aesKey && parts.length === 2 && parts[0] === FORMAT.plain) {
        const bytes = fromBase64Url(parts[1]!);
        if (!bytes) return { ignored: 'malformed' };
        plaintext = bytes;
      } else {
        // A sealed value where tokens are kept in plain text, or the reverse: the fleet disagrees on its settings.
        return { ignored: parts[0] === FORMAT.sealed || parts[0] === FORMAT.plain ? 'undecryptable' : 'malformed' };
      }
      return readPayload(plaintext, digest, options);
    },
  };
}

function readPayload(plaintext: Uint8Array, digest: string, options: VaultOptions): Unsealed {
  let payload: { id?: unknown; token?: unknown; obtainedAt?: unknown; expiresAt?: unknown };
  try {
    payload = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(plaintext)) as typeof payload;
  } catch {
    return { ignored: 'malformed' };
  }
  if (typeof payload !== 'object' || payload === null) return { ignored: 'malformed' };
  if (payload.id !== digest) return { ignored: 'foreign' };
  const { obtainedAt, expiresAt } = payload;
  if (typeof obtainedAt !== 'number' || typeof expiresAt !== 'number' || !Number.isFinite(obtainedAt) || !(expiresAt > obtainedAt)) return { ignored: 'malformed' };
  try {
    // Checked as any token from outside is: header-safe, of an accepted type. `expiry` comes from expiresAt.
    const { token } = leaseToken({ ...(payload.token as object), expiry: Math.floor(expiresAt / 1000) }, obtainedAt, options.defaultLifetime, options.tokenTypes);
    return { lease: { token, obtainedAt, expiresAt } };
  } catch {
    return { ignored: 'unusable-token' };
  }
}

type AesKey = Awaited<ReturnType<typeof crypto.subtle.deriveKey>>;

async function sealingKey(options: VaultOptions, digest: string): Promise<AesKey> {
  const { sealing, secretMaterial } = options;
  const material = sealing && 'encryptionKey' in sealing ? toBytes(sealing.encryptionKey) : await secretMaterial!();
  const base = await crypto.subtle.importKey('raw', material, 'HKDF', false, ['deriveKey']);
  return crypto.subtle.deriveKey(
    { name: 'HKDF', hash: 'SHA-256', salt: encoder.encode('oauth-ccg/token-store/v1'), info: encoder.encode(digest) },
    base,
    { name: 'AES-GCM', length: 256 },
    false,
    ['encrypt', 'decrypt'],
  );
}

function toBytes(value: string | Uint8Array): Uint8Array<ArrayBuffer> {
  return typeof value === 'string' ? encoder.encode(value) : Uint8Array.from(value);
}

function fromBase64Url(text: string): Uint8Array<ArrayBuffer> | undefined {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return undefined;
  try {
    return Uint8Array.from(atob(text.replaceAll('-', '+').replaceAll('_', '/')), (char) => char.charCodeAt(0));
  } catch {
    return undefined;
  }
}
