import { Client } from '../../src/index.ts';
import { apiPath } from '../servers/protocol.ts';
import { statusOf, type Contender } from './contender.ts';

export const contender: Contender = {
  name: 'oauth-ccg',
  role: 'subject',
  packages: ['oauth-ccg'],
  usage:
    '`new Client({ baseUrl, tokenUrl, tokenEndpointAuthMethod: "client_secret_basic", timeout: 10000, clientCredentialsAuthCredentials })` and `client.fetch(path)`, as its README shows.',
  capabilities: { fetchesTokens: true, reusesToken: true, retriesOn401: true, retriesTokenRequest: true },
  async create(env) {
    const client = new Client({
      baseUrl: env.apiOrigin,
      tokenUrl: env.tokenUrl,
      tokenEndpointAuthMethod: 'client_secret_basic',
      timeout: 10_000,
      clientCredentialsAuthCredentials: {
        oAuthClientId: env.clientId,
        oAuthClientSecret: env.clientSecret,
        oAuthScopes: [env.scope],
      },
    });
    return { call: async (callId) => statusOf(await client.fetch(apiPath(callId))) };
  },
};
