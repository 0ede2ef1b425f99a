// undici: oauthInterceptor composes the client's token into an undici dispatcher, so that undici.request,
// undici.fetch and any client on that dispatcher get what client.fetch does — one token request for
// concurrent first calls, one replay with a new token when the API refuses one, and the token only ever sent
// to the API's origin. (undici is an optional peer dependency: npm install undici)
import { Agent, fetch, interceptors, request } from 'undici';
import { Client } from 'oauth-ccg';
import { oauthInterceptor } from 'oauth-ccg/undici';
import { environment } from './environment.ts';

const client = new Client({
  baseUrl: environment.baseUrl,
  tokenUrl: environment.tokenUrl,
  clientCredentialsAuthCredentials: {
    oAuthClientId: environment.clientId,
    oAuthClientSecret: environment.clientSecret,
  },
});

// The redirect interceptor last, so that it is the outer one: each hop then comes through oauthInterceptor,
// and only a hop on the API's origin gets the token.
const dispatcher = new Agent().compose(oauthInterceptor(client), interceptors.redirect({ maxRedirections: 3 }));

const { statusCode, body } = await request(`${environment.baseUrl}/whoami`, { dispatcher });
console.log('request:', statusCode, JSON.stringify(await body.json()));
const response = await fetch(`${environment.baseUrl}/whoami`, { dispatcher });
console.log('fetch:', response.status, JSON.stringify(await response.json()));
await dispatcher.close();
