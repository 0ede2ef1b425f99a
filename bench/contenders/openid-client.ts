import * as oidc from 'openid-client';
import { apiPath } from '../servers/protocol.ts';
import { statusOf, type Contender } from './contender.ts';

export const contender: Contender = {
  name: 'openid-client',
  role: 'peer',
  packages: ['openid-client'],
  usage:
    '`clientCredentialsGrant(config, { scope })` then `fetchProtectedResource(config, access_token, url, "GET")` on every call, as users call it: the library keeps no token cache of its own. `Configuration` built from the token endpoint with `ClientSecretBasic`, plus `allowInsecureRequests` for the loopback http URLs.',
  capabilities: { fetchesTokens: true, reusesToken: false, retriesOn401: false, retriesTokenRequest: false },
  async create(env) {
    const config = new oidc.Configuration(
      { issuer: new URL(env.tokenUrl).origin, token_endpoint: env.tokenUrl },
      env.clientId,
      env.clientSecret,
      oidc.ClientSecretBasic(env.clientSecret),
    );
    oidc.allowInsecureRequests(config);
    const url = (callId: string) => new URL(apiPath(callId), env.apiOrigin);
    return {
      async call(callId) {
        const tokens = await oidc.clientCredentialsGrant(config, { scope: env.scope });
        return statusOf(await oidc.fetchProtectedResource(config, tokens.access_token, url(callId), 'GET'));
      },
    };
  },
};
