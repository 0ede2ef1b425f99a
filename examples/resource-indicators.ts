// Resource indicators (RFC 8707): one authorization server, two APIs. Each client asks for a token for
// its own API (the `resource` parameter), so a token leaked by one API cannot be replayed at the other.
// The resource is part of the token's identity: these two clients never share a token. oAuthResource is
// a URI or an array of them, one `resource` parameter each.
import { Client } from 'oauth-ccg';
import { environment } from './environment.ts';

const credentials = { oAuthClientId: environment.clientId, oAuthClientSecret: environment.clientSecret };
const apiOne = new Client({
  baseUrl: environment.baseUrl,
  tokenUrl: environment.tokenUrl,
  clientCredentialsAuthCredentials: { ...credentials, oAuthResource: environment.resourceOne },
});
const apiTwo = new Client({
  baseUrl: environment.baseUrl,
  tokenUrl: environment.tokenUrl,
  clientCredentialsAuthCredentials: { ...credentials, oAuthResource: [environment.resourceTwo] },
});

console.log('API one call:', (await apiOne.fetch('/whoami')).status);
console.log('API two call:', (await apiTwo.fetch('/whoami')).status);
const [one, two] = [apiOne.clientCredentialsAuthManager.token, apiTwo.clientCredentialsAuthManager.token];
console.log('two different tokens:', one !== undefined && two !== undefined && one.accessToken !== two.accessToken);
