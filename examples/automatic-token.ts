// Client initialization: the token is fetched automatically by the first call that needs one,
// and reused by the calls after it.
import { Client } from 'oauth-ccg';
import { environment } from './environment.ts';

const client = new Client({
  baseUrl: environment.baseUrl,
  tokenUrl: environment.tokenUrl,
  clientCredentialsAuthCredentials: {
    oAuthClientId: environment.clientId,
    oAuthClientSecret: environment.clientSecret,
  },
});

const response = await client.fetch('/whoami');
console.log('first call:', response.status, await response.json());
const again = await client.fetch('/whoami');
console.log('second call:', again.status);
