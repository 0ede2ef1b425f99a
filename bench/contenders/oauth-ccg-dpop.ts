import type { Contender } from './contender.ts';
import { contender as oauthCcg, readmeClient } from './oauth-ccg.ts';

/**
 * oauth-ccg with `dpop: true`: every call signs a fresh proof (ES256), which is the per-call cost this
 * variant exists to show against the same floor as the Bearer client.
 */
export const contender: Contender = {
  ...oauthCcg,
  name: 'oauth-ccg, DPoP',
  role: 'variant',
  usage:
    "The same client as oauth-ccg's with `dpop: true` added: a non-extractable ES256 key generated for the client, a DPoP token, and a new proof (with `ath` and `htu`) signed for every call. The API checks each proof's `typ`, `htm`, `htu` and `ath`, not its signature.",
  create: async (env) => readmeClient(env, { dpop: true }),
};
