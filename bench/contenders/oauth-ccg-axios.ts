import axios from 'axios';
import { apiPath } from '../servers/protocol.ts';
import { contender as axiosFloor } from './axios-floor.ts';
import type { Contender } from './contender.ts';
import { contender as oauthCcg, newReadmeClient } from './oauth-ccg.ts';

// The adapter as it is published, from dist/ like the Client it attaches (see oauth-ccg.ts).
const { attachClient } = (await import(new URL('../../dist/esm/axios.js', import.meta.url).href)) as typeof import('../../src/axios.ts');

/**
 * oauth-ccg's axios adapter (`oauth-ccg/axios`): the README's client attached to an axios instance, so that
 * its calls pay for axios and the adapter's interceptors. Its cost is set against plain axios.
 */
export const contender: Contender = {
  ...oauthCcg,
  name: 'oauth-ccg, axios adapter',
  role: 'variant',
  packages: ['oauth-ccg', 'axios'],
  baseline: axiosFloor.name,
  usage:
    "The same client as oauth-ccg's, attached with `attachClient(instance, client)` from `oauth-ccg/axios` to `axios.create({ baseURL })`, and `instance.get(path)`: its request interceptor sets the token, its response interceptor would replay a refused one.",
  async create(env) {
    const client = newReadmeClient(env);
    const instance = axios.create({ baseURL: env.apiOrigin });
    attachClient(instance, client);
    return { call: async (callId) => (await instance.get(apiPath(callId))).status, close: () => client.close() };
  },
};
