/**
 * The `error` parameter of the `scheme` challenge (`Bearer`, RFC 6750 §3; `DPoP`, RFC 9449 §7.1) in a
 * `WWW-Authenticate` header, or `undefined` when there is no such challenge or it names no error.
 */
export function challengeError(header: string | null, scheme: 'Bearer' | 'DPoP'): string | undefined {
  const challenge = header?.match(new RegExp(`(?:^|,)\\s*${scheme}\\b(.*?)(?=,\\s*(?:Bearer|DPoP)\\b|$)`, 'is'))?.[1];
  const error = challenge?.match(/(?:^|[\s,])error\s*=\s*(?:"([^"]*)"|([^\s,]+))/i);
  return error ? (error[1] ?? error[2]) : undefined;
}

/** What the challenge rules read of a response: its status and headers. A fetch `Response` is one. */
export interface ResponseHead {
  readonly status: number;
  readonly headers: { get(name: string): string | null };
}

/**
 * Whether a response says the token itself was refused, so that a new token may succeed: a 401 whose
 * challenge for the token's scheme is `invalid_token` or names no error. A 401 `invalid_request`, a DPoP
 * `use_dpop_nonce` or `invalid_dpop_proof`, or a 403 `insufficient_scope` would fail again with any token.
 */
export function isTokenRejection(response: ResponseHead, scheme: 'Bearer' | 'DPoP' = 'Bearer'): boolean {
  if (response.status !== 401) return false;
  const error = challengeError(response.headers.get('www-authenticate'), scheme);
  return error === undefined || error === 'invalid_token';
}
