// axios: attachClient gives an axios instance the client's token, with what client.fetch does — one token
// request for concurrent first calls, one replay with a new token when the API refuses one, and the token
// only ever sent to the API's origin, redirects included. (axios is an optional peer dependency: npm install axios)
import axios from 'axios';
import { Client } from 'oauth-ccg';
import { attachClient } from 'oauth-ccg/axios';
import { environment } from './environment.ts';

const client = new Client({
  baseUrl: environment.baseUrl,
  tokenUrl: environment.tokenUrl,
  clientCredentialsAuthCredentials: {
    oAuthClientId: environment.clientId,
    oAuthClientSecret: environment.clientSecret,
  },
});

// Attach it right after creating the instance, before interceptors of your own.
const api = axios.create({ baseURL: environment.baseUrl });
attachClient(api, client);

const { status, data } = await api.get('/whoami');
console.log('call:', status, JSON.stringify(data));
const burst = await Promise.all(Array.from({ length: 5 }, () => api.post('/echo', { greeting: 'hello' })));
console.log('burst:', burst.map((response) => `${response.status} ${JSON.stringify(response.data)}`).join(', '));
