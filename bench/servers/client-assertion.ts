// private_key_jwt at the bench's token endpoint (RFC 7523 §3): a client assertion is accepted when its
// signature verifies with the one key the bench registered, it is addressed to this token endpoint, it has
// not expired, and its `jti` has not been seen before (a replay is refused, as servers that track jti do).
import { importJWK, jwtVerify, type JWK } from 'jose';

export const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

export class ClientAssertionVerifier {
  #key: { jwk: JWK; imported: ReturnType<typeof importJWK> } | undefined;
  readonly #seenJtis = new Set<string>();

  /** Accept assertions signed by the private half of `jwk` (a public JWK with its `alg`). */
  trust(jwk: JWK & { alg: string }): void {
    this.#key = { jwk, imported: importJWK(jwk, jwk.alg) };
  }

  /** The client id the assertion authenticates (its `sub`, equal to `iss`), or undefined when it must be refused. */
  async clientId(assertion: string, tokenEndpoint: string): Promise<string | undefined> {
    if (this.#key === undefined) return undefined;
    try {
      const { payload } = await jwtVerify(assertion, await this.#key.imported, { audience: tokenEndpoint, algorithms: [this.#key.jwk.alg!], requiredClaims: ['iss', 'sub', 'exp', 'jti'] });
      if (payload.iss !== payload.sub || this.#seenJtis.has(payload.jti!)) return undefined;
      this.#seenJtis.add(payload.jti!);
      return payload.sub;
    } catch {
      return undefined;
    }
  }
}
