// @badgateway/oauth2-client's client-credentials path with OAuth2Fetch, as its README shows: a fetch that
// carries the token, reuses it and refreshes it on a 401.
import { OAuth2Client, OAuth2Fetch } from '@badgateway/oauth2-client';

export function createClient(tokenEndpoint: string, server: string, clientId: string, clientSecret: string): OAuth2Fetch['fetch'] {
  const client = new OAuth2Client({ server, tokenEndpoint, clientId, clientSecret });
  const wrapper = new OAuth2Fetch({ client, getNewToken: () => client.clientCredentials() });
  return wrapper.fetch.bind(wrapper);
}
