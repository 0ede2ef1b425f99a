import { apiPath } from '../servers/protocol.ts';
import { statusOf, type Contender, type Env, type Instance } from './contender.ts';

// The package as it is published: the compiled dist/ (`npm run bench` builds it first), like every other
// library here. Running src/ through tsx would measure tsx too: its transform names every function it
// creates, a cost paid on each call and by no user. The private_key_jwt scenario drives this build too.
export const { Client } = (await import(new URL('../../dist/esm/index.js', import.meta.url).href)) as typeof import('../../src/index.ts');

/** A client as the README shows it, with `options` added to the configuration. */
export function newReadmeClient(env: Env, options: { dpop?: true } = {}): InstanceType<typeof Client> {
  return new Client({
    baseUrl: env.apiOrigin,
    tokenUrl: env.tokenUrl,
    tokenEndpointAuthMethod: 'client_secret_basic',
    timeout: 10_000,
    clientCredentialsAuthCredentials: {
      oAuthClientId: env.clientId,
      oAuthClientSecret: env.clientSecret,
      oAuthScopes: [env.scope],
    },
    ...options,
  });
}

/** The README's client, its calls going through `client.fetch`. */
export function readmeClient(env: Env, options: { dpop?: true } = {}): Instance {
  const client = newReadmeClient(env, options);
  return { call: async (callId) => statusOf(await client.fetch(apiPath(callId))) };
}

export const contender: Contender = {
  name: 'oauth-ccg',
  role: 'subject',
  packages: ['oauth-ccg'],
  usage:
    '`new Client({ baseUrl, tokenUrl, tokenEndpointAuthMethod: "client_secret_basic", timeout: 10000, clientCredentialsAuthCredentials })` and `client.fetch(path)`, as its README shows.',
  capabilities: { fetchesTokens: true, reusesToken: true, retriesOn401: true, retriesTokenRequest: true },
  create: async (env) => readmeClient(env),
};
