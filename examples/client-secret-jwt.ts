// client_secret_jwt (RFC 7523): the secret never travels. Each token request carries a short-lived JWT
// signed with it (HS256), with a fresh jti, so a server that remembers jti values never sees one twice.
import { Client } from 'oauth-ccg';
import { environment } from './environment.ts';

const client = new Client({
  baseUrl: environment.baseUrl,
  tokenUrl: environment.tokenUrl,
  tokenEndpointAuthMethod: 'client_secret_jwt',
  clientCredentialsAuthCredentials: {
    oAuthClientId: environment.clientId,
    oAuthClientSecret: environment.clientSecret,
  },
});

const response = await client.fetch('/whoami');
console.log('call:', response.status, await response.text());
