import { apiPath } from '../servers/protocol.ts';
import { bearerGet, type Contender } from './contender.ts';

const TIMEOUT_MS = 10_000;

/**
 * The floor with a timeout: the fixed-header fetch, aborted if no response arrives within 10 s, the way
 * oauth-ccg bounds every API request. It shows what a per-request timeout costs on its own: undici's
 * handling of any `signal` is a large share of a loopback call.
 */
export const contender: Contender = {
  name: 'fetch + timeout (fixed token)',
  role: 'floor',
  packages: [],
  usage:
    "The fixed-token floor with a 10 s timeout per request (`AbortController` and `setTimeout`, cleared when the response arrives), as oauth-ccg's `timeout` does: the cost of a timeout alone, with no token logic.",
  capabilities: { fetchesTokens: false, reusesToken: true, retriesOn401: false, retriesTokenRequest: false },
  async create(env) {
    const token = await env.issueFixedToken();
    return {
      async call(callId) {
        const controller = new AbortController();
        const timer = setTimeout(() => controller.abort(), TIMEOUT_MS);
        try {
          return await bearerGet(env.apiOrigin + apiPath(callId), token, controller.signal);
        } finally {
          clearTimeout(timer);
        }
      },
    };
  },
};
