// Adding an OAuth token update callback: it runs once for every new token, e.g. to save it.
// If it throws or rejects, the API call still succeeds; the failure arrives as a 'callback-error' event.
import { Client } from 'oauth-ccg';
import { environment } from './environment.ts';
import { saveTokenToDatabase } from './token-database.ts';

const client = new Client({
  baseUrl: environment.baseUrl,
  tokenUrl: environment.tokenUrl,
  clientCredentialsAuthCredentials: {
    oAuthClientId: environment.clientId,
    oAuthClientSecret: environment.clientSecret,
    oAuthOnTokenUpdate: (token) => saveTokenToDatabase(token),
  },
  onEvent: (event) => {
    if (event.type === 'callback-error') console.error('could not save the token:', event.error);
  },
});

const response = await client.fetch('/whoami');
console.log('call:', response.status, '- token saved to', environment.tokenDatabase);
