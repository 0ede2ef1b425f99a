// Adding a custom OAuth token provider: use a stored token while it is valid, and fetch a new one
// from the token endpoint when there is none. The provider runs whenever there is no valid token.
import { Client, type OAuthTokenProvider } from 'oauth-ccg';
import { environment } from './environment.ts';
import { loadTokenFromDatabase, saveTokenToDatabase } from './token-database.ts';

const oAuthTokenProvider: OAuthTokenProvider = async (lastOAuthToken, authManager) => {
  const stored = await loadTokenFromDatabase();
  if (stored && authManager.isValid(stored) && stored.accessToken !== lastOAuthToken?.accessToken) return stored;
  const fresh = await authManager.fetchToken();
  await saveTokenToDatabase(fresh);
  return fresh;
};

const client = new Client({
  baseUrl: environment.baseUrl,
  tokenUrl: environment.tokenUrl,
  clientCredentialsAuthCredentials: {
    oAuthClientId: environment.clientId,
    oAuthClientSecret: environment.clientSecret,
    oAuthTokenProvider,
  },
});

const response = await client.fetch('/whoami');
console.log('call:', response.status);
