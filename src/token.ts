import { InvalidTokenError } from './errors.ts';

/**
 * An OAuth 2.0 access token as the library hands it out. It is plain JSON (numbers, never bigints),
 * so `JSON.stringify(token)` can be stored as it is and read back as an {@link OAuthTokenInput}.
 */
export interface OAuthToken {
  /** The access token: a secret, sent only to the API's origin and never in an event or an error. */
  readonly accessToken: string;
  /** `"Bearer"`, or `"DPoP"` for a token bound to the client's DPoP key (RFC 9449). */
  readonly tokenType: string;
  /** The lifetime in seconds the authorization server announced (`expires_in`), if it announced one. */
  readonly expiresIn?: number;
  /** When the token expires, in unix seconds. Tokens handed out by the library always have one. */
  readonly expiry?: number;
  /** The scope the server granted, space-delimited, if it said. */
  readonly scope?: string;
  /** A refresh token, if the server sent one (the client credentials grant does not use it). */
  readonly refreshToken?: string;
}

/**
 * A token as the library accepts it (in `oAuthToken`, from `oAuthTokenProvider`): the SDKs built on the
 * seeds write `expiresIn` and `expiry` as bigints, stores write them as strings; all are read as numbers.
 *
 * `expiry` is unix seconds. A value of 10^11 or more cannot be seconds (that is the year 5138) and is read
 * as unix milliseconds, so `expiry: BigInt(Date.now())` means "now", not the far future.
 */
export interface OAuthTokenInput {
  /** The access token. */
  accessToken: string;
  /** Defaults to `"Bearer"`; compared case-insensitively. */
  tokenType?: string;
  /** The lifetime in seconds, counted from when the library receives the token; used when `expiry` is absent. */
  expiresIn?: number | bigint | string;
  /** When the token expires: unix seconds, or unix milliseconds from 10^11 on. */
  expiry?: number | bigint | string;
  /** The granted scope, space-delimited. */
  scope?: string;
  /** A refresh token, kept as it is. */
  refreshToken?: string;
}

/** A token together with the two instants, in epoch milliseconds, that its lifecycle is computed from. */
export interface TokenLease {
  readonly token: OAuthToken;
  /** When the token was asked for (the request was sent) or handed to the library. */
  readonly obtainedAt: number;
  /** When the token stops being valid. */
  readonly expiresAt: number;
  /** It was read from a shared store: another process, or another client of this one, fetched it. */
  readonly fromStore?: boolean;
}

const MILLISECONDS_FROM = 1e11;
const LATEST_EXPIRY = (MILLISECONDS_FROM - 1) * 1000;

/**
 * Whether a token can be sent in an `Authorization` header. RFC 6750's b64token is narrower, but any
 * visible ASCII is safe there, while a space or a line break would corrupt or inject headers.
 */
export function isHeaderSafe(value: string): boolean {
  return /^[\x21-\x7e]+$/.test(value);
}

/**
 * Validates a token and computes when it expires: from `expiry` if given, else `expiresIn` seconds after
 * `obtainedAt`, else `defaultLifetime` seconds after it. Throws {@link InvalidTokenError} naming what is
 * wrong (never the token itself).
 */
export function leaseToken(input: unknown, obtainedAt: number, defaultLifetime: number, tokenTypes: readonly string[] = BEARER_ONLY): TokenLease {
  if (typeof input !== 'object' || input === null) throw new InvalidTokenError('A token must be an object with an accessToken.');
  const raw = input as Record<string, unknown>;
  const { accessToken, tokenType = 'Bearer', scope, refreshToken } = raw;
  if (typeof accessToken !== 'string' || !isHeaderSafe(accessToken)) {
    throw new InvalidTokenError('The token has no accessToken, or it contains characters that cannot be sent in an HTTP header.');
  }
  const type = acceptedTokenType(tokenType, tokenTypes);
  if (type === undefined) {
    throw new InvalidTokenError(`The token type ${describeTokenType(tokenType)} is not supported here; ${tokenTypes.join(' or ')} tokens are.`);
  }
  const expiresIn = optionalNumber(raw.expiresIn, 'expiresIn');
  const expiry = optionalNumber(raw.expiry, 'expiry');
  const announcedExpiry =
    expiry !== undefined
      ? expiry >= MILLISECONDS_FROM ? expiry : expiry * 1000
      : obtainedAt + (expiresIn ?? defaultLifetime) * 1000;
  // An absurd lifetime is cut to the year 5138, so that `expiry` stays finite and reads back as seconds.
  const expiresAt = Math.min(announcedExpiry, LATEST_EXPIRY);
  const token: OAuthToken = {
    accessToken,
    tokenType: type,
    ...(expiresIn !== undefined && { expiresIn }),
    expiry: Math.floor(expiresAt / 1000),
    ...(typeof scope === 'string' && { scope }),
    ...(typeof refreshToken === 'string' && { refreshToken }),
  };
  return { token, obtainedAt, expiresAt };
}

const BEARER_ONLY = ['Bearer'];

/** `value` as it is spelled in `accepted` when it is one of them, compared case-insensitively (RFC 6749 §5.1). */
export function acceptedTokenType(value: unknown, accepted: readonly string[]): string | undefined {
  return typeof value === 'string' ? accepted.find((type) => type.toLowerCase() === value.toLowerCase()) : undefined;
}

/**
 * A token type from outside, named for an error message without trusting it: shown only when it has the
 * shape of a type name (`"mac"`, `"N_A"`), since a stored `"Bearer <token>"` would otherwise put the token
 * itself in the message; and never through `String()`, which throws for some objects from JSON.
 */
export function describeTokenType(value: unknown): string {
  if (typeof value === 'string') return /^[A-Za-z][\w.-]{0,19}$/.test(value) ? JSON.stringify(value) : '(not shown: not a type name)';
  return `(not shown: a value of type ${value === null ? 'null' : typeof value})`;
}

function optionalNumber(value: unknown, name: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  const number = readNumber(value);
  if (!Number.isFinite(number)) throw new InvalidTokenError(`The token's ${name} is not a finite number.`);
  return number;
}

const DECIMAL = /^-?\d+(?:\.\d+)?$/;

/**
 * A number as servers and stores write one: a number, a bigint, or a string of decimal digits. Anything
 * else is NaN, including what `Number()` would accept but no one means as seconds: `"0x10"`, `"1e3"`, `""`.
 */
export function readNumber(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  return typeof value === 'string' && DECIMAL.test(value.trim()) ? Number(value) : Number.NaN;
}

/**
 * Whether `token` has expired, or will within `clockSkew` seconds, at `now` (epoch milliseconds).
 * A token without `expiry` cannot be judged and counts as not expired; one whose `expiry` cannot be read
 * (`"abc"`, `NaN`, a date string) counts as expired: a check that fails open would keep a dead token.
 */
export function isTokenExpired(token: Pick<OAuthTokenInput, 'expiry'>, clockSkew: number, now: number): boolean {
  if (token.expiry === undefined || token.expiry === null) return false;
  const expiry = readNumber(token.expiry);
  if (!Number.isFinite(expiry)) return true;
  const expiresAt = expiry >= MILLISECONDS_FROM ? expiry : expiry * 1000;
  return now >= expiresAt - clockSkew * 1000;
}
