import { ConfigurationError } from '../errors.ts';
import { isCryptoKey, type Jwk, type WebCryptoKey } from './key-shape.ts';
import { privateSigningKey, type SigningKey } from './signing-key.ts';

type Jose = typeof import('jose');

/** The `dpop` option: `true` for a fresh key pair, or a key pair of your own. */
export type DpopOption =
  | true
  | {
      /** The key pair that binds the tokens. A non-extractable private key is the safer choice. */
      readonly keyPair: {
        /** Signs the proofs: a private key with the `sign` usage. */
        readonly privateKey: WebCryptoKey;
        /** Sent in every proof's header as a JWK; the token is bound to its thumbprint. */
        readonly publicKey: WebCryptoKey;
      };
      /** The proofs' JWS algorithm; default from the key (P-256 → ES256, P-384 → ES384, Ed25519 → EdDSA, RSA → RS256). */
      readonly algorithm?: string;
      /** Accept a Bearer token when a DPoP one was asked for. Default `false`: that is a downgrade, and an error. */
      readonly allowBearerDowngrade?: boolean;
    };

/** The key that signs DPoP proofs (RFC 9449): its public JWK and thumbprint, made once. */
export interface DpopKey {
  /** A compact proof JWT with `claims`, a fresh `jti` and `iat` (RFC 9449 §4.2). */
  proof(claims: { htm: string; htu: string; nonce?: string | undefined; ath?: string | undefined }): Promise<string>;
  /** The JWK thumbprint (RFC 7638) of the public key: what a bound token's `cnf.jkt` holds. */
  thumbprint(): Promise<string>;
}

const GENERATED = { name: 'ECDSA', namedCurve: 'P-256' } as const;

/**
 * Checks a `dpop` option now (a public key where the private one belongs, an algorithm that does not fit
 * it: a {@link ConfigurationError}); the key pair is generated, its public JWK exported and its
 * thumbprint computed on first use, once.
 */
export function dpopKey(option: DpopOption): DpopKey {
  const given = option === true ? undefined : option;
  if (given !== undefined) {
    if (typeof given !== 'object' || given === null || !isCryptoKey(given.keyPair?.privateKey) || !isCryptoKey(given.keyPair?.publicKey)) {
      throw new ConfigurationError('dpop must be true, or { keyPair } with a CryptoKeyPair (crypto.subtle.generateKey(..., ["sign", "verify"])).');
    }
    if (given.keyPair.publicKey.type !== 'public') throw new ConfigurationError('dpop.keyPair.publicKey is not a public key.');
  }
  // Checked now for a key given; for a generated one, when it exists.
  const checked = given && privateSigningKey(given.keyPair.privateKey, { algorithm: given.algorithm, name: 'dpop.keyPair.privateKey' });
  let material: Promise<{ signer: SigningKey; jwk: Jwk; thumbprint: string }> | undefined;
  const load = () =>
    (material ??= (async () => {
      const jose: Jose = await import('jose');
      const pair = given?.keyPair ?? ((await crypto.subtle.generateKey(GENERATED, false, ['sign', 'verify'])) as { privateKey: WebCryptoKey; publicKey: WebCryptoKey });
      const signer = checked ?? privateSigningKey(pair.privateKey, { name: 'the generated DPoP key' });
      const { kty, crv, x, y, n, e } = (await jose.exportJWK(pair.publicKey as Parameters<Jose['exportJWK']>[0])) as Record<string, string | undefined>;
      // Only the public members, and none of `ext` or `key_ops`: the header carries the key, nothing about its use.
      const jwk = Object.fromEntries(Object.entries({ kty, crv, x, y, n, e }).filter(([, value]) => value !== undefined)) as unknown as Jwk;
      return { signer, jwk, thumbprint: await jose.calculateJwkThumbprint(jwk as Parameters<Jose['calculateJwkThumbprint']>[0]) };
    })());
  return {
    async proof(claims) {
      const { signer, jwk } = await load();
      const payload = { ...claims, jti: crypto.randomUUID(), iat: Math.floor(Date.now() / 1000) };
      return signer.sign(JSON.parse(JSON.stringify(payload)) as Record<string, unknown>, { typ: 'dpop+jwt', jwk });
    },
    thumbprint: async () => (await load()).thumbprint,
  };
}
