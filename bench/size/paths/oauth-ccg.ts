// oauth-ccg's client_secret path, as a user writes it: a client that fetches, reuses and renews its token.
import { Client } from 'oauth-ccg';

export function createClient(tokenUrl: string, baseUrl: string, clientId: string, clientSecret: string): Client['fetch'] {
  const client = new Client({ baseUrl, tokenUrl, clientCredentialsAuthCredentials: { oAuthClientId: clientId, oAuthClientSecret: clientSecret } });
  return client.fetch;
}
