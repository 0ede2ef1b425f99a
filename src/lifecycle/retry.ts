import { ApiError, ClientAssertionError, NetworkError, OAuthCcgError, OAuthProviderError } from '../errors.ts';
import { backgroundSleep } from './keep-alive.ts';

/** How a token request is retried when it fails in a way that may pass. */
export interface RetryPolicy {
  /** Attempts in all, the first included; 1 turns retries off. */
  readonly attempts: number;
  /** The backoff before attempt n+1 is drawn uniformly from [0, min(maxDelay, baseDelay · 2^(n-1))] ms ("full jitter"). */
  readonly baseDelay: number;
  readonly maxDelay: number;
  /** A `Retry-After` longer than this (ms) ends the retries at once: waiting less than asked would only fail again. */
  readonly maxRetryAfter: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { attempts: 3, baseDelay: 250, maxDelay: 5_000, maxRetryAfter: 10_000 };

export interface RetryNotice {
  readonly attempt: number;
  readonly delayMs: number;
  readonly error: NetworkError | ApiError | OAuthProviderError | ClientAssertionError;
}

/** Runs `operation` until it succeeds, fails permanently, or the attempts are used up; throws the last error. */
export async function withRetries<T>(
  operation: (attempt: number) => Promise<T>,
  policy: RetryPolicy,
  onRetry: (notice: RetryNotice) => void,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation(attempt);
    } catch (error) {
      if (attempt >= policy.attempts || !isTransient(error)) throw error;
      const delayMs = backoff(error, attempt, policy);
      if (delayMs === undefined) throw error;
      onRetry({ attempt, delayMs, error });
      // Never what holds a process open: a caller awaiting the result holds it (see keepingAlive).
      await backgroundSleep(delayMs);
    }
  }
}

/** The longest {@link withRetries} can take when each attempt takes up to `attemptMs`: every attempt used, each retry after the longest wait the policy allows. */
export function longestRetriedDuration(policy: RetryPolicy, attemptMs: number): number {
  return policy.attempts * attemptMs + (policy.attempts - 1) * Math.max(policy.maxDelay, policy.maxRetryAfter);
}

/** Network failures, timeouts, 429 and 5xx may pass; any other answer (invalid_client, a bad body) will not. */
export function isTransient(error: unknown): error is NetworkError | ApiError | OAuthProviderError | ClientAssertionError {
  if (error instanceof NetworkError || error instanceof ClientAssertionError) return true;
  if (error instanceof ApiError || error instanceof OAuthProviderError) return error.statusCode === 429 || error.statusCode >= 500;
  return false;
}

/**
 * A failure of the library's own kind that asking again as things stand cannot mend: invalid_client, a
 * wrong tokenUrl, an unusable token. Errors it does not know (a token provider's own) are not judged.
 */
export function isPermanent(error: unknown): boolean {
  return error instanceof OAuthCcgError && !isTransient(error);
}

function backoff(error: NetworkError | ApiError | OAuthProviderError | ClientAssertionError, attempt: number, policy: RetryPolicy): number | undefined {
  const retryAfter = error instanceof NetworkError || error instanceof ClientAssertionError ? undefined : parseRetryAfter(error.headers.get('retry-after'), Date.now());
  if (retryAfter !== undefined) return retryAfter <= policy.maxRetryAfter ? retryAfter : undefined;
  return Math.random() * Math.min(policy.maxDelay, policy.baseDelay * 2 ** (attempt - 1));
}

/** `Retry-After` (RFC 9110 §10.2.3) as milliseconds from `now`: delay-seconds or an HTTP-date; `undefined` if absent or unreadable. */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  // Every HTTP-date form starts with a day name; Date.parse alone would read "1.5" or "-1" as dates.
  const date = /^[a-z]{3}/i.test(trimmed) ? Date.parse(trimmed) : Number.NaN;
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
