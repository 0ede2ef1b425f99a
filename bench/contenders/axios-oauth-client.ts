import axios from 'axios';
import { clientCredentials } from 'axios-oauth-client';
import tokenProvider from 'axios-token-interceptor';
import { apiPath } from '../servers/protocol.ts';
import { contender as axiosFloor } from './axios-floor.ts';
import type { Contender } from './contender.ts';

interface TokenResponse {
  access_token: string;
  expires_in: number;
}

export const contender: Contender = {
  name: 'axios-oauth-client',
  role: 'peer',
  packages: ['axios-oauth-client', 'axios-token-interceptor', 'axios'],
  usage:
    "`clientCredentials(axios.create(), tokenUrl, id, secret)` wrapped in `axios-token-interceptor`'s `tokenCache` with `getMaxAge: body => body.expires_in * 1000`, installed as a request interceptor on the API's axios instance, as the two READMEs show.",
  // tokenCache serialises refreshes behind a lock; nothing retries a 401 or a failed token request.
  capabilities: { fetchesTokens: true, reusesToken: true, retriesOn401: false, retriesTokenRequest: false },
  baseline: axiosFloor.name,
  async create(env) {
    const getClientCredentials = clientCredentials(axios.create(), env.tokenUrl, env.clientId, env.clientSecret);
    const cache = tokenProvider.tokenCache<TokenResponse>(() => getClientCredentials(env.scope), {
      getMaxAge: (body) => body.expires_in * 1000,
    });
    const instance = axios.create({ baseURL: env.apiOrigin });
    instance.interceptors.request.use(
      tokenProvider({ getToken: cache, headerFormatter: (body) => `Bearer ${body.access_token}` }),
    );
    return { call: async (callId) => (await instance.get(apiPath(callId))).status };
  },
};
