import { OAuth2Client, OAuth2Fetch } from '@badgateway/oauth2-client';
import { apiPath } from '../servers/protocol.ts';
import { statusOf, type Contender } from './contender.ts';

export const contender: Contender = {
  name: '@badgateway/oauth2-client',
  role: 'peer',
  packages: ['@badgateway/oauth2-client'],
  usage:
    "`OAuth2Fetch` with `getNewToken: () => client.clientCredentials()`, as its README shows; `tokenEndpoint` is given so that no discovery request is made.",
  // OAuth2Fetch: one shared refresh promise, a refresh and one retry on 401, no retry of a failed
  // token request, no renewal ahead of expiry (its timer needs a refresh_token).
  capabilities: { fetchesTokens: true, reusesToken: true, retriesOn401: true, retriesTokenRequest: false },
  async create(env) {
    const client = new OAuth2Client({
      server: env.apiOrigin,
      tokenEndpoint: env.tokenUrl,
      clientId: env.clientId,
      clientSecret: env.clientSecret,
    });
    const wrapper = new OAuth2Fetch({
      client,
      getNewToken: () => client.clientCredentials({ scope: [env.scope] }),
    });
    return { call: async (callId) => statusOf(await wrapper.fetch(env.apiOrigin + apiPath(callId))) };
  },
};
