// Revocation (RFC 7009): when a client is retired or a token may have leaked, revoke the token. The
// revocation endpoint is discovered from the issuer here (or configure revocationUrl). After revokeToken()
// the client stops using the token, and its next call fetches a new one.
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
const manager = client.clientCredentialsAuthManager;

console.log('call:', (await client.fetch('/whoami')).status);
const revoked = manager.token;
await manager.revokeToken();

// Sent by hand, past the client: the API no longer accepts the revoked token.
const withRevokedToken = await fetch(`${environment.baseUrl}/whoami`, { headers: { authorization: `Bearer ${revoked?.accessToken}` } });
console.log('the revoked token at the API:', withRevokedToken.status);
console.log('call after revocation:', (await client.fetch('/whoami')).status);
console.log('a new token:', manager.token?.accessToken !== revoked?.accessToken);
