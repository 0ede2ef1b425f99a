/**
 * The server process: the token endpoint and the protected API, run apart from the bench process so
 * that their CPU time and heap never mix with the libraries' (the bench measures both).
 * Started by control.ts with fork(); driven over IPC; exits when the bench process goes away.
 */
import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ClientAssertionVerifier } from './client-assertion.ts';
import { protectedApi } from './protected-api.ts';
import type { CallRecord, ControlReply, ControlRequest, ServerControl, ServerSettings, ServersReady, TokenRequestRecord } from './protocol.ts';
import { FailureBudget, TOKEN_PATH, tokenEndpoint } from './token-endpoint.ts';
import { TokenMint } from './tokens.ts';

const CLIENT_SECRET = process.argv[2] ?? '';
const FIXED_TOKEN_LIFETIME_MS = 24 * 3600 * 1000;

const mint = new TokenMint();
const failures = new FailureBudget();
const assertions = new ClientAssertionVerifier();
const settings: ServerSettings = { tokenLatencyMs: 0, tokenLifetimeSeconds: 3600, apiLatencyMs: 0, recordCalls: false };
const tokenLog: TokenRequestRecord[] = [];
const callRecords: CallRecord[] = [];

const control: ServerControl = {
  configure: (changes) => void Object.assign(settings, changes),
  failNextTokenRequests: (count, status) => {
    failures.remaining = count;
    failures.status = status;
  },
  pendingFailures: () => failures.remaining,
  revokeAll: () => mint.revokeAll(),
  trustAssertionKey: (jwk) => assertions.trust(jwk),
  issueFixedToken: (clientId) => mint.issue(clientId, FIXED_TOKEN_LIFETIME_MS),
  tokenRequests: (clientId) => tokenLog.filter((r) => r.clientId === clientId),
  callRecords: () => callRecords,
  clearRecords: () => {
    tokenLog.length = 0;
    callRecords.length = 0;
  },
};

const token = tokenEndpoint({ mint, settings, clientSecret: CLIENT_SECRET, assertions, failures, log: tokenLog });
const api = protectedApi({ mint, settings, records: callRecords });

const [tokenPort, apiPort] = await Promise.all([listen(token), listen(api)]);
const ready: ServersReady = { ready: { tokenUrl: `http://127.0.0.1:${tokenPort}${TOKEN_PATH}`, apiOrigin: `http://127.0.0.1:${apiPort}` } };
process.send?.(ready);

process.on('message', (request: ControlRequest) => {
  let reply: ControlReply;
  try {
    const method = control[request.method] as (...args: unknown[]) => unknown;
    reply = { id: request.id, result: method(...request.args) };
  } catch (error) {
    reply = { id: request.id, error: String(error) };
  }
  process.send?.(reply);
});
process.on('disconnect', () => process.exit(0));

/** Listens on an ephemeral loopback port, with a backlog deep enough for a 1,000-connection burst. */
async function listen(handler: RequestListener): Promise<number> {
  const server = createServer({ keepAliveTimeout: 60_000 }, handler);
  await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0, backlog: 4096 }, resolve));
  return (server.address() as AddressInfo).port;
}
