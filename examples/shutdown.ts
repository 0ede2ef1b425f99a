// Shutdown: close() waits for a token renewal under way, starts no other, and makes later calls fail with
// a ClientClosedError. `await using` calls it when the block ends, however it ends; the process then has
// nothing left to wait for and exits at once.
import { Client, ClientClosedError } from 'oauth-ccg';
import { environment } from './environment.ts';

async function job(): Promise<Client> {
  await using client = new Client({
    baseUrl: environment.baseUrl,
    tokenUrl: environment.tokenUrl,
    clientCredentialsAuthCredentials: {
      oAuthClientId: environment.clientId,
      oAuthClientSecret: environment.clientSecret,
    },
  });
  console.log('call:', (await client.fetch('/whoami')).status);
  return client;
}

const closed = await job();
try {
  await closed.fetch('/whoami');
} catch (error) {
  console.log('after the block:', error instanceof ClientClosedError ? 'closed' : error);
}
