// Clock skew: stop using a token this many seconds before it expires, so that a request sent just
// before expiry does not arrive just after it. Renewal starts earlier still, in the background.
import { Client } from 'oauth-ccg';
import { environment } from './environment.ts';

const client = new Client({
  baseUrl: environment.baseUrl,
  tokenUrl: environment.tokenUrl,
  clientCredentialsAuthCredentials: {
    oAuthClientId: environment.clientId,
    oAuthClientSecret: environment.clientSecret,
    oAuthClockSkew: 30,
  },
});

await client.fetch('/whoami');
const manager = client.clientCredentialsAuthManager;
const token = manager.token!;
console.log('expires in', token.expiry! - Math.floor(Date.now() / 1000), 's; expired with a 30 s skew?', manager.isExpired(token));
console.log('expired with a skew of its whole lifetime?', manager.isExpired(token, token.expiresIn! + 1));
