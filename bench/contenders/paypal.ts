import { Client, Environment, OrdersController } from '@paypal/paypal-server-sdk';
import axios, { type AxiosAdapter } from 'axios';
import type { Contender } from './contender.ts';

const PAYPAL_TOKEN_PATH = '/v1/oauth2/token';

/**
 * An axios adapter that sends the SDK's requests to the local servers instead of the PayPal host
 * its Environment names, then hands them to axios' own http adapter. Only the transport moves: the
 * SDK's token logic (@apimatic/core, @apimatic/oauth-adapters) runs untouched.
 */
function localAdapter(tokenUrl: string, apiOrigin: string): AxiosAdapter {
  const http = axios.getAdapter('http');
  return (config) => {
    const url = new URL(config.url ?? '');
    const target = url.pathname === PAYPAL_TOKEN_PATH ? tokenUrl : apiOrigin + url.pathname + url.search;
    return http({ ...config, url: target });
  };
}

export const contender: Contender = {
  name: 'PayPal SDK (@apimatic)',
  role: 'peer',
  packages: ['@paypal/paypal-server-sdk', '@apimatic/core', '@apimatic/oauth-adapters', 'axios'],
  usage:
    '`new Client({ clientCredentialsAuthCredentials, environment: Environment.Sandbox, timeout: 10000, unstable_httpClientOptions: { adapter } })` and `new OrdersController(client).getOrder({ id })`, as its README shows. The `adapter` option reaches `axios.create()` in `@apimatic/axios-client-adapter` and only rewrites the PayPal host to the local servers.',
  // @apimatic/oauth-adapters keeps the token in one shared promise: no renewal ahead of expiry, no
  // retry on 401 (the call throws). The SDK's own retries are off by default (maxNumberOfRetries: 0)
  // and, when on, cover GET and PUT only, never the token POST.
  capabilities: { fetchesTokens: true, reusesToken: true, retriesOn401: false, retriesTokenRequest: false },
  async create(env) {
    const client = new Client({
      clientCredentialsAuthCredentials: { oAuthClientId: env.clientId, oAuthClientSecret: env.clientSecret },
      environment: Environment.Sandbox,
      timeout: 10_000,
      unstable_httpClientOptions: { adapter: localAdapter(env.tokenUrl, env.apiOrigin) },
    });
    const orders = new OrdersController(client);
    return { call: async (id) => (await orders.getOrder({ id })).statusCode };
  },
};
