import type { Emit } from '../events.ts';
import { endpointName, requestToken, type TokenEndpoint } from '../protocol/token-request.ts';
import { leaseToken, type TokenLease } from '../token.ts';
import { withRetries, type RetryPolicy } from './retry.ts';

export interface EndpointTokenSourceOptions {
  /** The token endpoint, which may first have to be discovered. */
  readonly endpoint: () => Promise<TokenEndpoint>;
  readonly retry: RetryPolicy;
  /** Seconds a token without `expires_in` is taken to live. */
  readonly defaultLifetime: number;
  readonly emit: Emit;
}

/**
 * Gets tokens from the token endpoint, with retries, and de-duplicates concurrent identical requests:
 * callers asking with the same parameters while a request is under way share its outcome, retries
 * included. The key is the whole request body; the endpoint and the credentials are fixed per instance,
 * so two different scope sets (or resources, or extra parameters) are always two requests.
 */
export class EndpointTokenSource {
  readonly #options: EndpointTokenSourceOptions;
  readonly #inFlight = new Map<string, Promise<TokenLease>>();

  constructor(options: EndpointTokenSourceOptions) {
    this.#options = options;
  }

  request(params: URLSearchParams): Promise<TokenLease> {
    const key = params.toString();
    let pending = this.#inFlight.get(key);
    if (!pending) {
      pending = this.#requestWithRetries(params).finally(() => this.#inFlight.delete(key));
      this.#inFlight.set(key, pending);
    }
    return pending;
  }

  async #requestWithRetries(params: URLSearchParams): Promise<TokenLease> {
    const { retry, defaultLifetime, emit } = this.#options;
    const endpoint = await this.#options.endpoint();
    const url = endpointName(endpoint.url);
    const { response, sentAt } = await withRetries(
      async (attempt) => {
        emit({ type: 'token-request', url, attempt });
        const answer = await requestToken(endpoint, params);
        if (answer.nonceRetried) emit({ type: 'dpop-nonce-retry', server: 'token-endpoint' });
        return answer;
      },
      retry,
      (notice) => emit({ type: 'token-request-retry', ...notice }),
    );
    return leaseToken(response, sentAt, defaultLifetime, [response.tokenType]);
  }
}
