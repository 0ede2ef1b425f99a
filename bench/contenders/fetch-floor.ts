import { apiPath } from '../servers/protocol.ts';
import { bearerGet, type Contender } from './contender.ts';

/** The floor: Node's fetch with a fixed Authorization header and no token logic at all. */
export const contender: Contender = {
  name: 'fetch (fixed token)',
  role: 'floor',
  packages: [],
  usage: "Node's global `fetch` with a day-long token issued before the run, set as a fixed `Authorization` header. The floor: what a call costs with no token logic at all.",
  capabilities: { fetchesTokens: false, reusesToken: true, retriesOn401: false, retriesTokenRequest: false },
  async create(env) {
    const token = await env.issueFixedToken();
    return { call: (callId) => bearerGet(env.apiOrigin + apiPath(callId), token) };
  },
};
