import { ClientCredentials, type AccessToken } from 'simple-oauth2';
import { apiPath } from '../servers/protocol.ts';
import { bearerGet, type Contender } from './contender.ts';

/**
 * The README's window for refreshing ahead of expiry is 300 s, longer than the rollover scenario's
 * 2-second tokens, with which every call would fetch a token; 0.5 s keeps the pattern's intent.
 */
const EXPIRATION_WINDOW_IN_SECONDS = 0.5;

export const contender: Contender = {
  name: 'simple-oauth2',
  role: 'peer',
  packages: ['simple-oauth2'],
  usage: `\`ClientCredentials.getToken({ scope })\`, keeping the token and fetching a new one when \`accessToken.expired(${EXPIRATION_WINDOW_IN_SECONDS})\`, the reuse pattern its README shows (its 300 s window shortened to fit 2-second tokens); the API call is a \`fetch\` with that token.`,
  capabilities: { fetchesTokens: true, reusesToken: true, retriesOn401: false, retriesTokenRequest: false },
  async create(env) {
    const client = new ClientCredentials({
      client: { id: env.clientId, secret: env.clientSecret },
      auth: { tokenHost: new URL(env.tokenUrl).origin, tokenPath: new URL(env.tokenUrl).pathname },
    });
    let accessToken: AccessToken | undefined;
    return {
      async call(callId) {
        if (!accessToken || accessToken.expired(EXPIRATION_WINDOW_IN_SECONDS)) {
          accessToken = await client.getToken({ scope: env.scope });
        }
        return bearerGet(env.apiOrigin + apiPath(callId), accessToken.token.access_token);
      },
    };
  },
};
