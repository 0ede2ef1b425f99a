import { ConfigurationError } from '../errors.ts';
import { ALGORITHMS_FOR, isCryptoKey, keyShape, type Jwk, type WebCryptoKey } from './key-shape.ts';

type Jose = typeof import('jose');

/** A key that signs JWTs (client assertions; later, DPoP proofs): checked when configured, imported once on first use. */
export interface SigningKey {
  /** The JWS `alg`. */
  readonly algorithm: string;
  readonly keyId: string | undefined;
  /** A compact JWS of `claims`; `header` is added to `alg` (and `kid`). */
  sign(claims: Record<string, unknown>, header?: Record<string, unknown>): Promise<string>;
}

/**
 * A private key (CryptoKey, private JWK or PKCS#8 PEM) that signs with `algorithm`, or with the algorithm
 * its type implies: RSA → RS256, P-256 → ES256, P-384 → ES384, P-521 → ES512, Ed25519 → EdDSA. A key
 * that cannot sign, or an algorithm that does not fit it, is a {@link ConfigurationError} here and now.
 */
export function privateSigningKey(key: unknown, options: { algorithm?: string | undefined; keyId?: string | undefined; name: string }): SigningKey {
  const algorithm = signingAlgorithm(key, options);
  return joseSigner(algorithm, options.keyId, (jose) => {
    if (typeof key === 'string') return jose.importPKCS8(key, algorithm);
    if (isCryptoKey(key)) return Promise.resolve(key);
    return jose.importJWK(key as Jwk as Parameters<Jose['importJWK']>[0], algorithm);
  });
}

/**
 * The JWS algorithm a private key signs with: `algorithm` if it fits the key, else the one the key's type
 * implies. A key that cannot sign, or an algorithm that does not fit it, is a {@link ConfigurationError}.
 */
export function signingAlgorithm(key: unknown, options: { algorithm?: string | undefined; name: string }): string {
  const shape = keyShape(key, options.name);
  const fitting = shape.algorithm === undefined ? ALGORITHMS_FOR[shape.family] : [shape.algorithm];
  const algorithm = options.algorithm ?? fitting[0]!;
  if (!fitting.includes(algorithm) || !ALGORITHMS_FOR[shape.family].includes(algorithm)) {
    throw new ConfigurationError(`The algorithm "${algorithm}" does not fit ${options.name} (a ${shape.family} key): use ${fitting.join(' or ')}.`);
  }
  return algorithm;
}

const HMAC_ALGORITHMS = ['HS256', 'HS384', 'HS512'];

/** The client secret as the HMAC key of client_secret_jwt (RFC 7523 §2.2 with RFC 7518 §3.2): HS256 unless told otherwise. */
export function secretSigningKey(secret: string, options: { algorithm?: string | undefined }): SigningKey {
  const algorithm = options.algorithm ?? HMAC_ALGORITHMS[0]!;
  if (!HMAC_ALGORITHMS.includes(algorithm)) {
    throw new ConfigurationError(`client_secret_jwt signs with the client secret, by ${HMAC_ALGORITHMS.join(', ')}; "${algorithm}" is not one of them.`);
  }
  const bytes = new TextEncoder().encode(secret);
  return joseSigner(algorithm, undefined, () => Promise.resolve(bytes));
}

let jose: Promise<Jose> | undefined;

/** jose is loaded on the first signature, so that clients that never sign (and their bundles) never load it. */
function loadJose(): Promise<Jose> {
  return (jose ??= import('jose'));
}

function joseSigner(algorithm: string, keyId: string | undefined, load: (jose: Jose) => Promise<WebCryptoKey | Uint8Array>): SigningKey {
  let imported: Promise<WebCryptoKey | Uint8Array> | undefined;
  return {
    algorithm,
    keyId,
    async sign(claims, header = {}) {
      const library = await loadJose();
      imported ??= load(library).catch((error: unknown) => {
        imported = undefined;
        // jose's own words name the problem (not the key); the key itself never goes into a message.
        throw new ConfigurationError(`The signing key cannot be used with ${algorithm}: ${error instanceof Error ? error.message : 'import failed'}.`);
      });
      return new library.SignJWT(claims).setProtectedHeader({ ...header, alg: algorithm, ...(keyId !== undefined && { kid: keyId }) }).sign(await imported);
    },
  };
}
