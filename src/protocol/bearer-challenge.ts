/**
 * The `error` parameter of the Bearer challenge in a `WWW-Authenticate` header (RFC 6750 §3), or
 * `undefined` when there is no Bearer challenge or it names no error.
 */
export function bearerChallengeError(header: string | null): string | undefined {
  const challenge = header?.match(/(?:^|,)\s*Bearer\b(.*)$/is)?.[1];
  const error = challenge?.match(/(?:^|[\s,])error\s*=\s*(?:"([^"]*)"|([^\s,]+))/i);
  return error ? (error[1] ?? error[2]) : undefined;
}

/**
 * Whether a response says the token itself was refused, so that a new token may succeed:
 * a 401 whose Bearer challenge is `invalid_token` or names no error. A 401 `invalid_request` or a
 * 403 `insufficient_scope` would fail again with any token and is not such a response.
 */
export function isTokenRejection(response: Response): boolean {
  if (response.status !== 401) return false;
  const error = bearerChallengeError(response.headers.get('www-authenticate'));
  return error === undefined || error === 'invalid_token';
}
