// Canary secrets: a client secret and tokens that must never show up in anything a user or a log can see —
// error messages, stacks, inspected errors and clients, serialized configurations, events, console output —
// across success, 401 recovery and every kind of failure.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { inspect } from 'node:util';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Client, type ClientConfiguration, type ClientCredentialsAuthCredentials, type OAuthEvent } from 'oauth-ccg';
import { startRecorder } from './support/recorder.ts';

const SECRET = 'CANARY-SECRET-5e1f';
const TOKENS = ['CANARY-TOKEN-1', 'CANARY-TOKEN-2', 'CANARY-TOKEN-3'];
const PRIVATE_KEY = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
/** A ready-made assertion, shaped like one. */
const ASSERTION = 'eyJhbGciOiJFUzI1NiJ9.eyJjYW5hcnkiOiJhc3NlcnRpb24ifQ.CANARY-ASSERTION-SIGNATURE';
const CANARIES = [PRIVATE_KEY.split('\n')[1]!, 'CANARY-ASSERTION', SECRET, ...TOKENS, encodeURIComponent(SECRET), btoa(`canary-client:${SECRET}`), SECRET.slice(0, 12), 'CANARY-TOKEN'];

type Reply = (req: IncomingMessage, res: ServerResponse, body: string) => void;
const json = (status: number, value: unknown, headers = {}): Reply => (_req, res) =>
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(value));
const token = (n: number, extra = {}): Reply => json(200, { access_token: TOKENS[n], token_type: 'Bearer', expires_in: 3600, ...extra });

/** The token endpoint answers each request with the next reply (the last one repeats). */
async function startTokenEndpoint(replies: Reply[]) {
  let served = 0;
  return startRecorder((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => replies[Math.min(served++, replies.length - 1)]!(req, res, body));
  });
}

const scenarios: { name: string; replies: Reply[]; options?: Partial<ClientConfiguration>; credentials?: Partial<ClientCredentialsAuthCredentials> }[] = [
  { name: 'success, then a 401 recovered with a second token', replies: [token(0), token(1)] },
  { name: 'a token type that is not Bearer', replies: [token(0, { token_type: 'mac' })] },
  { name: 'an OAuth error with a description', replies: [json(401, { error: 'invalid_client', error_description: 'bad client' })] },
  { name: 'a 500 that echoes the request', replies: [(req, res, body) => res.writeHead(500).end(`${req.headers.authorization} ${body}`)] },
  { name: 'client_secret_post with an echoing 400', replies: [(_req, res, body) => res.writeHead(400).end(body)], options: { tokenEndpointAuthMethod: 'client_secret_post' } },
  { name: 'a 200 carrying an error member and a token', replies: [json(200, { error: 'server_error', access_token: TOKENS[2] })] },
  { name: 'a negative expires_in', replies: [token(0, { expires_in: -5 })] },
  { name: 'a token with a space in it', replies: [json(200, { access_token: `${TOKENS[0]} x`, token_type: 'Bearer' })] },
  { name: 'a redirect', replies: [(_req, res) => res.writeHead(302, { location: "http://127.0.0.1:1/elsewhere" }).end()] },
  { name: 'a hang past the timeout', replies: [() => {}], options: { timeout: 200 } },
  // Echoes that only a parser, or knowing the secrets, can catch.
  { name: 'a JSON-escaped key', replies: [(_req, res) => res.writeHead(500).end(`{"access\\u005ftoken": "${TOKENS[0]}"}`)] },
  { name: 'a form-encoded key', replies: [(_req, res) => res.writeHead(500).end(`access%5Ftoken=${TOKENS[0]}&x=1`)] },
  { name: 'non-standard names', replies: [json(500, { accessToken: TOKENS[0], token: TOKENS[1], data: { id_token: TOKENS[0] } })] },
  { name: 'the secret echoed in error_description', replies: [json(400, { error: 'invalid_client', error_description: `secret ${SECRET} is wrong`, error_uri: `https://e.example/?s=${encodeURIComponent(SECRET)}` })] },
  { name: 'id:secret echoed in a 5xx body', replies: [(_req, res) => res.writeHead(503).end(`bad credentials canary-client:${SECRET} (${btoa(`canary-client:${SECRET}`)})`)] },
  { name: 'a token held before, echoed in free text', replies: [(_req, res) => res.writeHead(500).end(`the last token you held was ${TOKENS[2]}, we think`)] },
  {
    name: 'a custom fetch whose error repeats the Basic credentials',
    replies: [token(0)],
    options: {
      fetch: (input, init) =>
        String(input).endsWith('/token')
          ? Promise.reject(new TypeError(`refused: ${new Headers(init?.headers).get('authorization')} sent ${String(init?.body)}`))
          : fetch(input, init),
    },
  },
  // The assertion methods: a server that echoes the request body echoes the assertion.
  {
    name: 'private_key_jwt with an echoing 400',
    replies: [(_req, res, body) => res.writeHead(400).end(body)],
    credentials: { oAuthPrivateKey: PRIVATE_KEY },
  },
  {
    name: 'a ready-made assertion echoed in a 500',
    replies: [(_req, res, body) => res.writeHead(500).end(`rejected ${decodeURIComponent(body)}`)],
    credentials: { oAuthClientAssertion: () => ASSERTION },
  },
  {
    name: 'an assertion callback whose error repeats the assertion',
    replies: [token(0)],
    options: { tokenRequestAttempts: 1 },
    credentials: {
      oAuthClientAssertion: () => {
        throw new Error(`the file held ${ASSERTION}, which expired`);
      },
    },
  },
  {
    name: 'DPoP: the proof and the credentials echoed in a 500',
    replies: [(req, res, body) => res.writeHead(500).end(`${String(req.headers.dpop)} ${String(req.headers.authorization)} ${body}`)],
    options: { dpop: true },
    credentials: { oAuthToken: { accessToken: TOKENS[2]!, tokenType: 'DPoP', expiry: 1 } },
  },
  {
    name: 'DPoP: a token sent with its proof to an API that refuses it',
    replies: [json(200, { access_token: TOKENS[0], token_type: 'DPoP', expires_in: 3600 }), json(200, { access_token: TOKENS[1], token_type: 'DPoP', expires_in: 3600 })],
    options: { dpop: true },
    credentials: { oAuthToken: { accessToken: TOKENS[2]!, tokenType: 'DPoP', expiry: 1 } },
  },
  {
    name: 'a provider returning a token type that holds the token',
    replies: [token(0)],
    credentials: { oAuthTokenProvider: () => ({ accessToken: TOKENS[1]!, tokenType: `Bearer ${TOKENS[1]}` }) },
  },
];

test('no canary secret or token appears in anything observable', async () => {
  const printed: unknown[] = [];
  const consoleMethods = ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const;
  const originals = consoleMethods.map((method) => console[method]);
  for (const method of consoleMethods) console[method] = (...args: unknown[]) => void printed.push(args);
  const observed: string[] = [];
  const api = await startRecorder((req, res) => {
    // The first token is refused once, so that the recovery path runs too.
    if (req.headers.authorization === `Bearer ${TOKENS[0]}`) res.writeHead(401, { 'www-authenticate': 'Bearer error="invalid_token"' }).end();
    else res.end('ok');
  });
  try {
    for (const scenario of scenarios) {
      const endpoint = await startTokenEndpoint(scenario.replies);
      const events: OAuthEvent[] = [];
      const client = new Client({
        baseUrl: api.url,
        tokenUrl: `${endpoint.url}/token`,
        tokenRequestAttempts: 1,
        onEvent: (event) => events.push(event),
        ...scenario.options,
        clientCredentialsAuthCredentials: {
          oAuthClientId: 'canary-client',
          oAuthClientSecret: SECRET,
          oAuthToken: { accessToken: TOKENS[2]!, expiry: 1 },
          ...scenario.credentials,
        },
      });
      const outcome = await client.fetch('/resource').then((response) => response.status, (error: unknown) => error);
      observed.push(
        `${scenario.name}: ${typeof outcome === 'number' ? outcome : ''}`,
        ...(outcome instanceof Error ? [outcome.message, String(outcome.stack), inspect(outcome, { depth: Infinity, showHidden: true }), JSON.stringify(outcome)] : []),
        inspect(events, { depth: Infinity, showHidden: true }),
        inspect(client, { depth: Infinity, showHidden: true }),
        inspect(client.configuration, { depth: Infinity }),
        inspect(client.clientCredentialsAuthManager, { depth: Infinity, showHidden: true }),
        JSON.stringify(client),
        JSON.stringify(client.configuration),
        JSON.stringify(events),
      );
      await endpoint.close();
    }
  } finally {
    consoleMethods.forEach((method, i) => (console[method] = originals[i]!));
    await api.close();
  }

  assert.deepEqual(printed, [], 'nothing is printed by default');
  const text = observed.join('\n');
  assert.match(text, /success, then a 401 recovered with a second token: 200/, 'the scenarios ran');
  assert.match(text, /ApiError|OAuthProviderError|TimeoutError/, 'the failures were observed');
  assert.doesNotMatch(text, /eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+/, 'no assertion or JWT appears');
  for (const canary of CANARIES) assert.equal(text.includes(canary), false, `"${canary}" leaked:\n${text.slice(Math.max(0, text.indexOf(canary) - 300), text.indexOf(canary) + 100)}`);
});
