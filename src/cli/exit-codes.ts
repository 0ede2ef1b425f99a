// What the command's exit status means, and which failure gets which. Scripts branch on these numbers,
// so they are part of the command's interface: `--help` and the README list them.
import { ApiError, ConfigurationError, DiscoveryError, InvalidTokenError, NetworkError, OAuthProviderError } from '../errors.ts';

/** The exit statuses of `oauth-ccg`. */
export const EXIT = {
  ok: 0,
  /** `fetch`: the API answered an error status (or an unexpected failure, with its own message). */
  apiError: 1,
  /** The command line, the environment, a profile or a file named by them cannot work. */
  usage: 2,
  /** The authorization server refused the request, or answered with something that is not a token. */
  refused: 3,
  /** No answer: the network failed or the timeout passed. */
  network: 4,
  /** The issuer's metadata could not be had, or names another issuer. */
  discovery: 5,
} as const;

/** The exit-status table, as `--help` prints it. */
export const EXIT_STATUS_HELP = `Exit status:
  0  success
  1  fetch: the API answered an error status (4xx, 5xx)
  2  usage or configuration error (an option, a profile, an unreadable file)
  3  the authorization server refused (its "error" and "error_description" are printed)
  4  network failure or timeout
  5  discovery failed, or the metadata names another issuer`;

/**
 * A mistake in how the command was called or configured. Its message says what is wrong and what to do,
 * and never quotes a value that could be a secret.
 */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** The exit status for a failure, by the library's error classes (a DiscoveryError is an ApiError: it goes first). */
export function exitCodeFor(error: unknown): number {
  if (error instanceof UsageError || error instanceof ConfigurationError) return EXIT.usage;
  if (error instanceof DiscoveryError) return EXIT.discovery;
  // An ApiError: the token endpoint answered, but not with a token; an InvalidTokenError: what it sent is unusable.
  if (error instanceof OAuthProviderError || error instanceof ApiError || error instanceof InvalidTokenError) return EXIT.refused;
  if (error instanceof NetworkError) return EXIT.network;
  return EXIT.apiError;
}
