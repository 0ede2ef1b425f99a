/**
 * oauth-ccg/node: what only Node can do, apart from the core so that the core runs on every runtime.
 *
 * - {@link mtlsFetch}: a `fetch` that presents a client certificate (mutual TLS, RFC 8705). Needs `undici`.
 */
export { mtlsFetch, type MtlsFetchOptions } from './node/mtls-fetch.ts';
