// A generated OpenAPI client (openapi-fetch here; the fetch clients of the OpenAPI generators alike): give it
// client.fetch, and its calls get the token, the single flight and the 401 replay of client.fetch.
import createClient from 'openapi-fetch';
import { Client } from 'oauth-ccg';
import { environment } from './environment.ts';

/** The API's description as openapi-typescript generates it from an OpenAPI document, written out by hand for two operations. */
interface paths {
  '/whoami': {
    get: {
      parameters: { query?: never; header?: never; path?: never; cookie?: never };
      requestBody?: never;
      responses: { 200: { headers: Record<string, unknown>; content: { 'application/json': { clientId: string; scope: string } } } };
    };
  };
  '/echo': {
    post: {
      parameters: { query?: never; header?: never; path?: never; cookie?: never };
      requestBody: { content: { 'application/json': { greeting: string } } };
      responses: { 200: { headers: Record<string, unknown>; content: { 'application/json': { greeting: string } } } };
    };
  };
}

const client = new Client({
  baseUrl: environment.baseUrl,
  tokenUrl: environment.tokenUrl,
  clientCredentialsAuthCredentials: {
    oAuthClientId: environment.clientId,
    oAuthClientSecret: environment.clientSecret,
  },
});

const api = createClient<paths>({ baseUrl: environment.baseUrl, fetch: client.fetch });

const { data, response } = await api.GET('/whoami');
console.log('call:', response.status, JSON.stringify(data));
const echoed = await api.POST('/echo', { body: { greeting: 'hello' } });
console.log('post:', echoed.response.status, JSON.stringify(echoed.data));
