import { authorizerOf, type Client } from '../client/client.ts';
import { ConfigurationError } from '../errors.ts';
import type { Authorizer } from '../transport/authorizer.ts';

/** The rules `client.fetch` follows, for an adapter of another HTTP stack to follow too; `adapter` names it in the error. */
export function clientAuthorizer(client: Client, adapter: string): Authorizer {
  const authorizer = client[authorizerOf]();
  if (!authorizer) throw new ConfigurationError(`${adapter} needs a client with baseUrl: the token is only ever sent to that origin.`);
  return authorizer;
}
