import { ConfigurationError } from '../errors.ts';

/**
 * What kind of private key a configuration holds, read synchronously from the key's own structure so that
 * a wrong key is refused by the constructor rather than by the first token request: a `CryptoKey`'s
 * algorithm, a JWK's `kty`/`crv`/`d`, or the algorithm identifier inside a PKCS#8 PEM's DER.
 */
export type KeyFamily = 'RSA' | 'RSA-PSS' | 'P-256' | 'P-384' | 'P-521' | 'Ed25519';

/**
 * A WebCrypto `CryptoKey` as the library reads it: the runtime's own `CryptoKey` (from `lib.dom` or
 * `@types/node`) fits, and the core needs neither lib to be declared.
 */
export interface WebCryptoKey {
  /** The algorithm the key is for (`name`, and `namedCurve` or `hash` where they apply). */
  readonly algorithm: WebCryptoKeyAlgorithm;
  /** `"private"`, `"public"` or `"secret"`. */
  readonly type: string;
  /** What the key may do; a signing key has `"sign"`. */
  readonly usages: readonly string[];
  /** Whether the key material can be exported; a non-extractable private key is the safer choice. */
  readonly extractable: boolean;
}

/** A `CryptoKey`'s algorithm, as far as the library reads it. */
export interface WebCryptoKeyAlgorithm {
  /** `"ECDSA"`, `"RSASSA-PKCS1-v1_5"`, `"RSA-PSS"`, `"Ed25519"`, … */
  readonly name: string;
}

/** A JSON Web Key (RFC 7517) as far as the library reads it; other members are kept as they are. */
export interface Jwk {
  /** The key type: `"RSA"`, `"EC"` or `"OKP"` for a signing key. */
  readonly kty: string;
  /** The curve of an EC or OKP key: `"P-256"`, `"P-384"`, `"P-521"`, `"Ed25519"`. */
  readonly crv?: string;
  /** The algorithm the key is meant for, if the JWK says. */
  readonly alg?: string;
  /** The private part: a JWK without it is a public key. */
  readonly d?: string;
  /** Any other member (RFC 7517 §4, RFC 7518 §6). */
  readonly [parameter: string]: unknown;
}

/** A private key as the configuration accepts it: a `CryptoKey`, a private JWK, or a PKCS#8 PEM string. */
export type PrivateKeyInput = WebCryptoKey | Jwk | string;

/** Whether `value` is a WebCrypto key of this runtime. */
export function isCryptoKey(value: unknown): value is WebCryptoKey {
  const CryptoKeyClass = (globalThis as { CryptoKey?: abstract new () => unknown }).CryptoKey;
  return CryptoKeyClass !== undefined && value instanceof CryptoKeyClass;
}

/** The JWS algorithms (RFC 7518) each key family can sign with; the first is the default. */
export const ALGORITHMS_FOR: Readonly<Record<KeyFamily, readonly string[]>> = {
  RSA: ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'],
  'RSA-PSS': ['PS256', 'PS384', 'PS512'],
  'P-256': ['ES256'],
  'P-384': ['ES384'],
  'P-521': ['ES512'],
  Ed25519: ['EdDSA', 'Ed25519'],
};

/** A private key checked for use, and the JWS algorithms it can sign with. */
export interface KeyShape {
  readonly family: KeyFamily;
  /** Set when the key itself fixes one algorithm (a `CryptoKey`'s hash, a JWK's `alg`). */
  readonly algorithm?: string;
}

/** Reads the shape of a private key, or throws a {@link ConfigurationError} that says what to pass instead. */
export function keyShape(key: unknown, name: string): KeyShape {
  if (typeof key === 'string') return pemShape(key, name);
  if (isCryptoKey(key)) return cryptoKeyShape(key, name);
  if (typeof key === 'object' && key !== null) return jwkShape(key as Jwk, name);
  throw new ConfigurationError(`${name} must be a CryptoKey, a private JWK object, or a PKCS#8 PEM string.`);
}

function cryptoKeyShape(key: WebCryptoKey, name: string): KeyShape {
  if (key.type !== 'private') throw new ConfigurationError(`${name} is a ${key.type} key; a private key signs.`);
  if (!key.usages.includes('sign')) throw new ConfigurationError(`${name} cannot sign: import it with the "sign" usage.`);
  const algorithm = key.algorithm as { name: string; hash?: { name: string }; namedCurve?: string };
  const bits = algorithm.hash?.name.replace('SHA-', '');
  switch (algorithm.name) {
    case 'RSASSA-PKCS1-v1_5':
      return { family: 'RSA', algorithm: `RS${bits}` };
    case 'RSA-PSS':
      return { family: 'RSA-PSS', algorithm: `PS${bits}` };
    case 'ECDSA':
      return curveShape(algorithm.namedCurve, name);
    case 'Ed25519':
      return { family: 'Ed25519' };
    default:
      throw new ConfigurationError(`${name} is a ${algorithm.name} key, which cannot sign a JWS; use an RSA, EC (P-256, P-384, P-521) or Ed25519 key.`);
  }
}

function jwkShape(jwk: Jwk, name: string): KeyShape {
  const fixed = typeof jwk.alg === 'string' ? { algorithm: jwk.alg } : {};
  if (jwk.kty === 'oct') throw new ConfigurationError(`${name} is a symmetric key: for client_secret_jwt, pass the secret as oAuthClientSecret.`);
  if (jwk.kty !== 'RSA' && jwk.kty !== 'EC' && jwk.kty !== 'OKP') {
    throw new ConfigurationError(`${name} must be a CryptoKey, a private JWK (kty RSA, EC or OKP), or a PKCS#8 PEM string.`);
  }
  if (typeof jwk.d !== 'string') throw new ConfigurationError(`${name} is a public JWK (it has no "d"); pass the private key.`);
  if (jwk.kty === 'RSA') return { family: 'RSA', ...fixed };
  if (jwk.kty === 'OKP') {
    if (jwk.crv !== 'Ed25519') throw new ConfigurationError(`${name} is an OKP key on ${String(jwk.crv)}; only Ed25519 signs here.`);
    return { family: 'Ed25519', ...fixed };
  }
  return { ...curveShape(jwk.crv, name), ...fixed };
}

function curveShape(curve: string | undefined, name: string): KeyShape {
  if (curve === 'P-256' || curve === 'P-384' || curve === 'P-521') return { family: curve };
  throw new ConfigurationError(`${name} is an EC key on ${String(curve)}; use P-256, P-384 or P-521.`);
}

const PEM = /^-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----\s*$/;

/** Object identifiers (dotted) of the PKCS#8 algorithms and EC curves a JWS can use. */
const OIDS: Record<string, KeyFamily | 'EC'> = {
  '1.2.840.113549.1.1.1': 'RSA',
  '1.2.840.113549.1.1.10': 'RSA-PSS',
  '1.2.840.10045.2.1': 'EC',
  '1.3.101.112': 'Ed25519',
  '1.2.840.10045.3.1.7': 'P-256',
  '1.3.132.0.34': 'P-384',
  '1.3.132.0.35': 'P-521',
};

function pemShape(text: string, name: string): KeyShape {
  const pem = PEM.exec(text.trim());
  const label = pem?.[1];
  if (label === 'PUBLIC KEY' || label === 'CERTIFICATE') throw new ConfigurationError(`${name} is a ${label.toLowerCase()}; pass the private key.`);
  if (label === 'RSA PRIVATE KEY' || label === 'EC PRIVATE KEY') {
    throw new ConfigurationError(`${name} is a PEM in the old ${label} format; convert it to PKCS#8: openssl pkcs8 -topk8 -nocrypt -in key.pem`);
  }
  if (label === 'ENCRYPTED PRIVATE KEY') throw new ConfigurationError(`${name} is encrypted; decrypt it to a PKCS#8 PEM first (openssl pkcs8 -in key.pem).`);
  if (label !== 'PRIVATE KEY') throw new ConfigurationError(`${name} is not a PKCS#8 PEM ("-----BEGIN PRIVATE KEY-----"), a JWK or a CryptoKey.`);
  try {
    const der = Uint8Array.from(atob(pem![2]!.replace(/\s+/g, '')), (char) => char.charCodeAt(0));
    const [algorithm, parameter] = pkcs8Algorithm(der);
    const family = OIDS[algorithm];
    if (family === 'EC') return curveShape(parameter && OIDS[parameter], name);
    if (family) return { family };
  } catch {
    throw new ConfigurationError(`${name} is not a well-formed PKCS#8 PEM.`);
  }
  throw new ConfigurationError(`${name} holds a key of a kind that cannot sign a JWS; use an RSA, EC (P-256, P-384, P-521) or Ed25519 key.`);
}

/**
 * The algorithm OID of a PKCS#8 PrivateKeyInfo (RFC 5208), and its parameter when that is an OID (an EC
 * key's curve): `SEQUENCE { INTEGER version, SEQUENCE { OID algorithm, parameters }, OCTET STRING key }`.
 */
function pkcs8Algorithm(der: Uint8Array): [string, string | undefined] {
  const info = element(der, 0, 0x30);
  const version = element(der, info.start, 0x02);
  const identifier = element(der, version.end, 0x30);
  const algorithm = element(der, identifier.start, 0x06);
  const parameter = algorithm.end < identifier.end && der[algorithm.end] === 0x06 ? element(der, algorithm.end, 0x06) : undefined;
  return [oid(der.subarray(algorithm.start, algorithm.end)), parameter && oid(der.subarray(parameter.start, parameter.end))];
}

/** One DER element at `offset`, which must have `tag`: where its content starts and ends. */
function element(der: Uint8Array, offset: number, tag: number): { start: number; end: number } {
  if (der[offset] !== tag) throw new Error('unexpected DER tag');
  let length = der[offset + 1]!;
  let start = offset + 2;
  if (length & 0x80) {
    const bytes = length & 0x7f;
    if (bytes === 0 || bytes > 3) throw new Error('unsupported DER length');
    length = 0;
    for (let i = 0; i < bytes; i++) length = length * 256 + der[start + i]!;
    start += bytes;
  }
  if (start + length > der.length) throw new Error('truncated DER');
  return { start, end: start + length };
}

function oid(bytes: Uint8Array): string {
  const parts = [Math.floor(bytes[0]! / 40), bytes[0]! % 40];
  let value = 0;
  for (const byte of bytes.subarray(1)) {
    value = value * 128 + (byte & 0x7f);
    if (!(byte & 0x80)) {
      parts.push(value);
      value = 0;
    }
  }
  return parts.join('.');
}
