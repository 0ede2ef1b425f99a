/**
 * oauth-ccg/axios: the client's token on an axios instance, with the same rules as `client.fetch`.
 *
 * - {@link attachClient}: adds interceptors that authorize an instance's requests to the client's API. Needs
 *   `axios` 1.x (an optional peer dependency), the instance of which the caller passes in.
 */
export { attachClient } from './adapters/axios.ts';
