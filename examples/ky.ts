// ky, or any client that takes a fetch: give it client.fetch (bound to the client, so it is passed as it is),
// and every request it makes gets the token, the single flight and the 401 replay of client.fetch.
import ky from 'ky';
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

const api = ky.create({ prefix: environment.baseUrl, fetch: client.fetch });

const whoami = await api.get('whoami').json<{ clientId: string }>();
console.log('call:', JSON.stringify(whoami));
const echoed = await api.post('echo', { json: { greeting: 'hello' } }).json<{ greeting: string }>();
console.log('post:', JSON.stringify(echoed));
