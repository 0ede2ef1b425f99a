/**
 * oauth-ccg/undici: the client's token on undici's requests, with the same rules as `client.fetch`.
 *
 * - {@link oauthInterceptor}: an interceptor for `Dispatcher.compose`, so that `undici.request`,
 *   `undici.fetch` and any client on the composed dispatcher authorize requests to the client's API.
 *   Needs `undici` 7 (an optional peer dependency).
 */
export { oauthInterceptor } from './adapters/undici.ts';
