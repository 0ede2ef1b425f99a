// DPoP (RFC 9449): the token is bound to a key the client holds, so a stolen token is useless without it.
// `dpop: true` makes a fresh non-extractable ES256 key pair for this client; every request, to the token
// endpoint and to the API, carries a new proof signed with it, and the server nonces either asks for are
// picked up and answered without the caller seeing them.
import { Client } from 'oauth-ccg';
import { environment } from './environment.ts';

const client = new Client({
  baseUrl: environment.baseUrl,
  tokenUrl: environment.tokenUrl,
  dpop: true,
  clientCredentialsAuthCredentials: {
    oAuthClientId: environment.clientId,
    oAuthClientSecret: environment.clientSecret,
  },
});
const manager = client.clientCredentialsAuthManager;

const response = await client.fetch('/whoami');
console.log('call:', response.status, await response.text());
console.log('token type:', manager.token?.tokenType);

// With your own HTTP stack: the headers for one request, a new proof each time, made for that method and
// URL. The proof carries the nonce this client last got from the API (here, from the call above).
const url = `${environment.baseUrl}/whoami`;
const headers = await manager.authorizationHeaders('GET', url);
console.log('own HTTP stack headers:', Object.keys(headers).join(', '));
console.log('own HTTP stack call:', (await fetch(url, { headers })).status);
