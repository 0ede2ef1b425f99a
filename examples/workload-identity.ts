// Workload identity: the platform (a Kubernetes projected service-account token, a cloud identity token)
// keeps a ready-made assertion in a file and rotates it. oAuthClientAssertion is called for every token
// request, so reading the file there always sends the current one; no secret or key lives in the client.
import { readFile } from 'node:fs/promises';
import { Client } from 'oauth-ccg';
import { environment } from './environment.ts';

const assertionFile = environment.clientAssertionFile;

const client = new Client({
  baseUrl: environment.baseUrl,
  tokenUrl: environment.tokenUrl,
  clientCredentialsAuthCredentials: {
    oAuthClientId: environment.clientId,
    oAuthClientAssertion: async () => (await readFile(assertionFile, 'utf8')).trim(),
  },
});

console.log('call:', (await client.fetch('/whoami')).status);
// A later token request (here forced; normally the renewal before expiry) reads the file again.
const token = await client.clientCredentialsAuthManager.fetchToken();
console.log('second token request, with the rotated assertion:', token.tokenType);
