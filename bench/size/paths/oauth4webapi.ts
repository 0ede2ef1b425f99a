// oauth4webapi's client-credentials path: one token request and its response check (it keeps no token).
import * as oauth from 'oauth4webapi';

export async function fetchToken(issuer: string, tokenEndpoint: string, clientId: string, clientSecret: string): Promise<string> {
  const server: oauth.AuthorizationServer = { issuer, token_endpoint: tokenEndpoint };
  const client: oauth.Client = { client_id: clientId };
  const response = await oauth.clientCredentialsGrantRequest(server, client, oauth.ClientSecretBasic(clientSecret), new URLSearchParams());
  return (await oauth.processClientCredentialsResponse(server, client, response)).access_token;
}
