// DPoP proofs (RFC 9449 §4.2) made with jose directly, apart from the library under test, so that tests can
// drive the harness by hand: a key pair with its public JWK and thumbprint, and a signer whose every claim a
// test can set, wrong values included.
import { randomUUID } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { accessTokenHash } from './dpop-proof-verification.ts';

export interface DpopKey {
  alg: string;
  privateKey: CryptoKey;
  /** The public JWK that goes into each proof's header. */
  publicJwk: JWK;
  /** Its RFC 7638 thumbprint: the `cnf.jkt` of the tokens bound to this key. */
  jkt: string;
}

export async function createDpopKey(alg = 'ES256'): Promise<DpopKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg);
  const publicJwk = await exportJWK(publicKey);
  return { alg, privateKey, publicJwk, jkt: await calculateJwkThumbprint(publicJwk) };
}

export interface ProofClaims {
  htm: string;
  htu: string;
  /** Sets `ath` to the token's hash. */
  accessToken?: string;
  /** Sets `ath` as given, whatever `accessToken` says. */
  ath?: string;
  nonce?: string;
  /** Default: a fresh random UUID. */
  jti?: string;
  /** Default: now. */
  iat?: number;
  /** Default `dpop+jwt`. */
  typ?: string;
  /** Default: the key's public JWK. */
  jwk?: JWK;
}

export async function signDpopProof(key: DpopKey, claims: ProofClaims): Promise<string> {
  const ath = claims.ath ?? (claims.accessToken === undefined ? undefined : accessTokenHash(claims.accessToken));
  return new SignJWT({
    htm: claims.htm,
    htu: claims.htu,
    ...(ath === undefined ? {} : { ath }),
    ...(claims.nonce === undefined ? {} : { nonce: claims.nonce }),
  })
    .setProtectedHeader({ alg: key.alg, typ: claims.typ ?? 'dpop+jwt', jwk: claims.jwk ?? key.publicJwk })
    .setIssuedAt(claims.iat ?? Math.floor(Date.now() / 1000))
    .setJti(claims.jti ?? randomUUID())
    .sign(key.privateKey);
}
