// Fetching a token by hand, then building an authorized client from it with withConfiguration;
// the token is stored for reuse, and a stored token authorizes a new client with no token request.
import { ApiError, Client, OAuthProviderError } from 'oauth-ccg';
import { environment } from './environment.ts';
import { loadTokenFromDatabase, saveTokenToDatabase } from './token-database.ts';

let client = new Client({
  baseUrl: environment.baseUrl,
  tokenUrl: environment.tokenUrl,
  clientCredentialsAuthCredentials: {
    oAuthClientId: environment.clientId,
    oAuthClientSecret: environment.clientSecret,
  },
});

const previousToken = await loadTokenFromDatabase();
if (previousToken && client.clientCredentialsAuthManager.isValid(previousToken)) {
  // Restore the previous access token.
  client = client.withConfiguration({ clientCredentialsAuthCredentials: { oAuthToken: previousToken } });
  console.log('restored the stored token');
} else {
  try {
    const token = await client.clientCredentialsAuthManager.fetchToken();
    await saveTokenToDatabase(token);
    client = client.withConfiguration({ clientCredentialsAuthCredentials: { oAuthToken: token } });
    console.log('fetched and stored a new token');
  } catch (error) {
    if (error instanceof OAuthProviderError) console.error('the server refused:', error.error, error.errorDescription);
    else if (error instanceof ApiError) console.error('the token endpoint failed:', error.statusCode);
    throw error;
  }
}

// The client is now authorized.
const response = await client.fetch('/whoami');
console.log('call:', response.status);

// A client built from nothing but a stored token (no client secret in this process).
const storedOnly = new Client({
  baseUrl: environment.baseUrl,
  clientCredentialsAuthCredentials: { oAuthToken: (await loadTokenFromDatabase())! },
});
console.log('stored-token client call:', (await storedOnly.fetch('/whoami')).status);
