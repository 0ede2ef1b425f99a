// Keys for JWT client authentication (RFC 7523), generated fresh by each test set-up with node:crypto, and
// a signer of client assertions made with jose directly, apart from the library under test.
import { generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import { SignJWT, type JWK } from 'jose';

export interface SigningKey {
  /** The JWS algorithm the client is registered with. */
  alg: 'ES256' | 'RS256';
  /** The key id, registered in the client's jwks. */
  kid: string;
  /** The private key as a PKCS#8 PEM string (`-----BEGIN PRIVATE KEY-----`). */
  pem: string;
  /** The private key as a JWK (with `kid` and `alg`). */
  jwk: JWK & { kid: string; alg: string };
  /** The public JWK, as registered in the client's jwks. */
  publicJwk: JWK & { kid: string; alg: string };
  /** The private key as a node:crypto KeyObject (jose signs with it). */
  keyObject: KeyObject;
}

export function createSigningKey(alg: SigningKey['alg'], kid: string): SigningKey {
  const { privateKey, publicKey } = alg === 'ES256'
    ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
    : generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    alg,
    kid,
    pem: privateKey.export({ format: 'pem', type: 'pkcs8' }) as string,
    jwk: { ...(privateKey.export({ format: 'jwk' }) as JWK), kid, alg },
    publicJwk: { ...(publicKey.export({ format: 'jwk' }) as JWK), kid, alg },
    keyObject: privateKey,
  };
}

export interface AssertionOptions {
  clientId: string;
  /** An asymmetric private key (private_key_jwt), or the client secret as a secret key or bytes (client_secret_jwt, HS256). */
  key: Parameters<SignJWT['sign']>[0];
  alg: string;
  kid?: string;
  /** `aud`: the issuer or the token endpoint URL. */
  audience: string;
  /** Default: a fresh random UUID. */
  jti?: string;
  /** `exp` − `iat`; default 60. */
  lifetimeSeconds?: number;
}

/** An RFC 7523 §3 client assertion: iss = sub = client id, aud, iat, exp, jti. */
export async function signAssertion(options: AssertionOptions): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: options.alg, typ: 'JWT', ...(options.kid === undefined ? {} : { kid: options.kid }) })
    .setIssuer(options.clientId)
    .setSubject(options.clientId)
    .setAudience(options.audience)
    .setIssuedAt(now)
    .setExpirationTime(now + (options.lifetimeSeconds ?? 60))
    .setJti(options.jti ?? randomUUID())
    .sign(options.key);
}
