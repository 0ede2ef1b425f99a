import { ConfigurationError } from '../errors.ts';
import { base64Url } from './base64url.ts';
import { isCryptoKey, type Jwk, type WebCryptoKey } from './key-shape.ts';
import { signingAlgorithm } from './signing-key.ts';

type Jose = typeof import('jose');
type SignParameters = Parameters<typeof crypto.subtle.sign>;

/** The `dpop` option: `true` for a fresh key pair, or a key pair of your own. */
export type DpopOption =
  | true
  | {
      /** The key pair that binds the tokens. A non-extractable private key is the safer choice. */
      readonly keyPair: {
        /** Signs the proofs; non-extractable is safer (code that reaches an extractable key can copy it). */
        readonly privateKey: WebCryptoKey;
        /** Goes in each proof's header, so the server can check the signature and bind the token to it. */
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

/** The WebCrypto parameters of each JWS algorithm (RFC 7518 §3); an RSA key carries its own hash. */
const SIGNATURE_PARAMETERS: Readonly<Record<string, { name: string; hash?: string; saltLength?: number }>> = {
  ES256: { name: 'ECDSA', hash: 'SHA-256' },
  ES384: { name: 'ECDSA', hash: 'SHA-384' },
  ES512: { name: 'ECDSA', hash: 'SHA-512' },
  RS256: { name: 'RSASSA-PKCS1-v1_5' },
  RS384: { name: 'RSASSA-PKCS1-v1_5' },
  RS512: { name: 'RSASSA-PKCS1-v1_5' },
  PS256: { name: 'RSA-PSS', saltLength: 32 },
  PS384: { name: 'RSA-PSS', saltLength: 48 },
  PS512: { name: 'RSA-PSS', saltLength: 64 },
  EdDSA: { name: 'Ed25519' },
  Ed25519: { name: 'Ed25519' },
};

/**
 * Checks a `dpop` option now (a public key where the private one belongs, an algorithm that does not fit
 * it: a {@link ConfigurationError}); the key pair is generated, its public JWK exported and its thumbprint
 * computed on first use, once.
 *
 * Each proof is one WebCrypto signature over a header encoded once per key: a proof is made for every API
 * request, so its cost is the client's per-call cost, and a JOSE library rebuilds and re-encodes the
 * header (JWK included) and copies the claims on every signature. jose still exports the key and computes
 * the thumbprint, once.
 */
export function dpopKey(option: DpopOption): DpopKey {
  const given = option === true ? undefined : option;
  if (given !== undefined) {
    if (typeof given !== 'object' || given === null || !isCryptoKey(given.keyPair?.privateKey) || !isCryptoKey(given.keyPair?.publicKey)) {
      throw new ConfigurationError('dpop must be true, or { keyPair } with a CryptoKeyPair (crypto.subtle.generateKey(..., ["sign", "verify"])).');
    }
    if (given.keyPair.publicKey.type !== 'public') throw new ConfigurationError('dpop.keyPair.publicKey is not a public key.');
  }
  const algorithm = given ? signingAlgorithm(given.keyPair.privateKey, { algorithm: given.algorithm, name: 'dpop.keyPair.privateKey' }) : 'ES256';
  let material: Promise<{ privateKey: WebCryptoKey; header: string; thumbprint: string }> | undefined;
  const load = () =>
    (material ??= (async () => {
      const jose: Jose = await import('jose');
      const pair = given?.keyPair ?? ((await crypto.subtle.generateKey(GENERATED, false, ['sign', 'verify'])) as { privateKey: WebCryptoKey; publicKey: WebCryptoKey });
      const { kty, crv, x, y, n, e } = (await jose.exportJWK(pair.publicKey as Parameters<Jose['exportJWK']>[0])) as Record<string, string | undefined>;
      // Only the public members, and none of `ext` or `key_ops`: the header carries the key, nothing about its use.
      const jwk = Object.fromEntries(Object.entries({ kty, crv, x, y, n, e }).filter(([, value]) => value !== undefined)) as unknown as Jwk;
      return {
        privateKey: pair.privateKey,
        header: base64Url(encoder.encode(JSON.stringify({ typ: 'dpop+jwt', alg: algorithm, jwk }))),
        thumbprint: await jose.calculateJwkThumbprint(jwk as Parameters<Jose['calculateJwkThumbprint']>[0]),
      };
    })());
  return {
    async proof(claims) {
      const { privateKey, header } = await load();
      // JSON.stringify leaves out the claims that are undefined (no nonce yet, no token at the token endpoint).
      const input = `${header}.${base64Url(encoder.encode(JSON.stringify({ ...claims, jti: crypto.randomUUID(), iat: Math.floor(Date.now() / 1000) })))}`;
      const signature = await crypto.subtle.sign(SIGNATURE_PARAMETERS[algorithm] as SignParameters[0], privateKey as SignParameters[1], encoder.encode(input));
      return `${input}.${base64Url(new Uint8Array(signature))}`;
    },
    thumbprint: async () => (await load()).thumbprint,
  };
}

const encoder = new TextEncoder();
