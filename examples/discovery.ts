// Discovery (RFC 8414): give the issuer, not the token URL. The server's metadata is fetched on first need
// (/.well-known/oauth-authorization-server, else /.well-known/openid-configuration), must name this very
// issuer, and supplies the token endpoint, the revocation endpoint and the authentication method.
import { Client } from 'oauth-ccg';
import { environment } from './environment.ts';

const client = new Client({
  baseUrl: environment.baseUrl,
  issuer: environment.issuer,
  clientCredentialsAuthCredentials: {
    oAuthClientId: environment.clientId,
    oAuthClientSecret: environment.clientSecret,
  },
});

const response = await client.fetch('/whoami');
console.log('call:', response.status, await response.text());
