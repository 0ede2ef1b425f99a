// A program for the process-lifetime tests in test/hardening.test.ts:
//   node --import tsx test/support/background-renewal.ts <mode> <tokenUrl> <apiUrl> <timeoutMs>
// - `foreground`: one API call, which waits for its token; it prints the call's status.
// - `background`: calls the API until one call has started a background renewal, then its work is done
//   (it prints the last status) while that renewal may still be failing and retrying.
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'oauth-ccg';

const [mode, tokenUrl, apiUrl, timeout] = process.argv.slice(2);
const events: string[] = [];
const client = new Client({
  baseUrl: apiUrl!,
  tokenUrl: tokenUrl!,
  timeout: Number(timeout),
  onEvent: (event) => events.push(event.type),
  clientCredentialsAuthCredentials: { oAuthClientId: 'child', oAuthClientSecret: 'child-secret' },
});

let status: number;
do {
  status = (await client.fetch('/work')).status;
  if (mode === 'background') await sleep(100);
} while (mode === 'background' && !events.includes('renewal-started'));
console.log(status);
