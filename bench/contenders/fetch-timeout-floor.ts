import { apiPath } from '../servers/protocol.ts';
import { bearerGet, type Contender } from './contender.ts';

const TIMEOUT_MS = 10_000;

/**
 * The floor with a web-standard timeout: the fixed-header fetch, aborted through an AbortSignal if no
 * response arrives within 10 s. It shows what following a signal costs undici on every call, which is why
 * oauth-ccg times its API requests with undici's own headers timeout where the fetch allows it, and uses a
 * signal only on other runtimes.
 */
export const contender: Contender = {
  name: 'fetch + timeout (fixed token)',
  role: 'floor',
  packages: [],
  usage:
    "The fixed-token floor with a 10 s timeout per request (`AbortController` and `setTimeout`, cleared when the response arrives), the web-standard way: the cost of a signal-based timeout alone, with no token logic. oauth-ccg uses undici's own headers timeout on Node instead, and this way only on other runtimes.",
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
