import { ApiError, MAX_KEPT_TEXT, OAuthProviderError } from '../errors.ts';
import { redactBody, redactText, type Scrub } from '../redaction.ts';
import { acceptedTokenType, describeTokenType, isHeaderSafe, readNumber } from '../token.ts';

/** The fields of a successful RFC 6749 §5.1 token response that the library uses. */
export interface TokenResponse {
  readonly accessToken: string;
  /** One of the types asked for, spelled as asked: `"Bearer"` or `"DPoP"`. */
  readonly tokenType: string;
  readonly expiresIn?: number;
  readonly scope?: string;
  readonly refreshToken?: string;
}

export interface RawResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly body: string;
}

/**
 * Reads a token endpoint's answer. Strict where RFC 6749 speaks, lenient where real servers differ
 * harmlessly: `expires_in` as a numeric string, `token_type` in any case or missing, a form-encoded body
 * (GitHub-style servers), unknown fields. Returns the token fields or throws {@link OAuthProviderError}
 * (an RFC 6749 §5.2 error, even inside a 200) or {@link ApiError} (anything else unusable). Every text
 * from the server that an error keeps is passed through `scrub`, after the redaction of its own structure.
 */
export function parseTokenResponse(response: RawResponse, scrub: Scrub = (text) => text, tokenTypes: readonly string[] = ['Bearer']): TokenResponse {
  const fields = parseBody(response);
  const error = errorIn(fields, response, scrub);
  if (error) throw error;
  const fail = (problem: string) =>
    new ApiError(problem, { statusCode: response.status, headers: response.headers, body: redactBody(response.body, scrub) });
  if (response.status < 200 || response.status > 299) {
    throw fail(`The token endpoint answered HTTP ${response.status} without an OAuth error response.`);
  }
  if (!fields) throw fail(`The token endpoint answered HTTP ${response.status} with a body that is not a JSON object; is tokenUrl the token endpoint?`);

  const accessToken = fields.access_token;
  if (typeof accessToken !== 'string' || accessToken === '') throw fail('The token response has no access_token.');
  if (!isHeaderSafe(accessToken)) throw fail('The access_token contains characters that cannot be sent in an HTTP header.');

  const issued = fields.token_type ?? 'Bearer';
  const tokenType = acceptedTokenType(issued, tokenTypes);
  if (tokenType === undefined) {
    throw fail(
      tokenTypes.includes('DPoP')
        ? `The token endpoint issued a token of type ${describeTokenType(issued)} to a DPoP request: a downgrade the client refuses (set dpop.allowBearerDowngrade to accept a Bearer token).`
        : `The token endpoint issued a token of type ${describeTokenType(issued)}; only Bearer tokens are supported (configure dpop for DPoP tokens).`,
    );
  }

  const expiresIn = parseExpiresIn(fields.expires_in);
  if (expiresIn === null) throw fail('The token response has an expires_in that is not a positive number of seconds.');

  return {
    accessToken,
    tokenType,
    ...(expiresIn !== undefined && { expiresIn }),
    ...(typeof fields.scope === 'string' && { scope: fields.scope }),
    ...(typeof fields.refresh_token === 'string' && { refreshToken: fields.refresh_token }),
  };
}

/**
 * The RFC 6749 §5.2 error response (`{"error": ...}`) an answer carries, whatever its status, as the error
 * to throw; `undefined` when the answer is not one. Other endpoints that answer in §5.2 form (revocation,
 * RFC 7009 §2.2.1) read their errors with it.
 */
export function parseOAuthError(response: RawResponse, scrub: Scrub, endpoint?: string): OAuthProviderError | undefined {
  return errorIn(parseBody(response), response, scrub, endpoint);
}

function errorIn(fields: Record<string, unknown> | undefined, response: RawResponse, scrub: Scrub, endpoint?: string): OAuthProviderError | undefined {
  if (!fields || typeof fields.error !== 'string') return undefined;
  const serverText = (value: unknown, limit: number) => (typeof value === 'string' ? redactText(value.slice(0, limit), scrub) : undefined);
  return new OAuthProviderError({
    error: serverText(fields.error, 100)!,
    errorDescription: serverText(fields.error_description, MAX_KEPT_TEXT),
    errorUri: serverText(fields.error_uri, MAX_KEPT_TEXT),
    statusCode: response.status,
    headers: response.headers,
    ...(endpoint !== undefined && { endpoint }),
  });
}

function parseBody({ headers, body }: RawResponse): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(body);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    // Media types are case-insensitive (RFC 9110 §8.3.1): `Application/X-WWW-Form-Urlencoded; charset=utf-8` is a form.
    const mediaType = headers.get('content-type')?.split(';')[0]?.trim().toLowerCase();
    return mediaType === 'application/x-www-form-urlencoded' ? Object.fromEntries(new URLSearchParams(body)) : undefined;
  }
}

/** `undefined` when absent, `null` when present but unusable (zero, negative, not a decimal number). */
function parseExpiresIn(value: unknown): number | undefined | null {
  if (value === undefined || value === null) return undefined;
  const seconds = readNumber(value);
  return Number.isFinite(seconds) && seconds > 0 ? seconds : null;
}
