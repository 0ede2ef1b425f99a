import { sha256Base64Url } from '../keys/base64url.ts';
import type { DpopKey } from '../keys/dpop-key.ts';
import { endpointName } from './http-exchange.ts';

/** The token types a client accepts: DPoP with a DPoP key (and Bearer only when a downgrade is allowed), else Bearer. */
export function tokenTypesFor(dpop: DpopSession | undefined): readonly string[] {
  if (!dpop) return ['Bearer'];
  return dpop.allowBearerDowngrade ? ['DPoP', 'Bearer'] : ['DPoP'];
}

/** RFC 9449 §8.1: a nonce is `1*NQCHAR`; anything else from a server is ignored, never echoed. */
const NONCE = /^[\x21\x23-\x5b\x5d-\x7e]+$/;

/**
 * One client's DPoP state: the key that signs its proofs, and the last nonce each server gave it (§8, §9),
 * taken from every response that carries one, token endpoint and API alike.
 */
export class DpopSession {
  readonly key: DpopKey;
  /** Whether a Bearer token may stand in for the DPoP token asked for. */
  readonly allowBearerDowngrade: boolean;
  readonly #nonces = new Map<string, string>();
  /** The `ath` of the last access token, which changes far less often than proofs are made. */
  #ath: { token: string; ath: Promise<string> } | undefined;

  constructor(key: DpopKey, allowBearerDowngrade: boolean) {
    this.key = key;
    this.allowBearerDowngrade = allowBearerDowngrade;
  }

  /** A proof for one request to `url` (§4.2): `htu` without query and fragment; with `accessToken`, its `ath` (§7.1). */
  async proof(method: string, url: URL, accessToken?: string): Promise<string> {
    return this.key.proof({
      htm: method.toUpperCase(),
      htu: endpointName(url),
      nonce: this.nonceFor(url),
      ath: accessToken === undefined ? undefined : await this.#athOf(accessToken),
    });
  }

  /** The nonce the server at `url` asked for last, if any. */
  nonceFor(url: URL): string | undefined {
    return this.#nonces.get(url.origin);
  }

  /** Keeps the nonce a response from `url` carries, if it carries a valid one. */
  remember(url: URL, headers: Pick<Headers, 'get'>): void {
    const nonce = headers.get('dpop-nonce')?.trim();
    if (nonce !== undefined && NONCE.test(nonce)) this.#nonces.set(url.origin, nonce);
  }

  #athOf(accessToken: string): Promise<string> {
    if (this.#ath?.token !== accessToken) this.#ath = { token: accessToken, ath: sha256Base64Url(accessToken) };
    return this.#ath.ath;
  }
}
