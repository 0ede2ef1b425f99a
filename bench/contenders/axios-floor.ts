import axios from 'axios';
import { apiPath } from '../servers/protocol.ts';
import type { Contender } from './contender.ts';

/**
 * Plain axios with a fixed Authorization header and no token logic: the floor of the libraries built on
 * axios, whose every call pays for axios's own work (config merging, interceptor chain, its http adapter)
 * before any token logic of theirs.
 */
export const contender: Contender = {
  name: 'axios (fixed token)',
  role: 'floor',
  packages: ['axios'],
  usage: '`axios.create({ baseURL, headers: { Authorization } })` with a day-long token issued before the run, and `instance.get(path)`: what a call through axios costs with no token logic at all.',
  capabilities: { fetchesTokens: false, reusesToken: true, retriesOn401: false, retriesTokenRequest: false },
  async create(env) {
    const token = await env.issueFixedToken();
    const instance = axios.create({ baseURL: env.apiOrigin, headers: { authorization: `Bearer ${token}` } });
    return { call: async (callId) => (await instance.get(apiPath(callId))).status };
  },
};
