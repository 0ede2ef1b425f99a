/**
 * oauth-ccg/file: a token store in a directory, for the processes of one machine (the CLI, cron jobs,
 * the workers of a server). Node only: it needs a file system.
 *
 * - {@link FileTokenStore}: pass it as `tokenStore` to every client that should share tokens.
 * - {@link TokenStore}, {@link TokenSealing}, {@link TokenSealingOptions}: the contract it keeps and its
 *   sealing options, so that this entry point's types are complete on their own.
 */
export { FileTokenStore, type FileTokenStoreOptions } from './stores/file-token-store.ts';
export type { TokenSealing, TokenSealingOptions, TokenStore } from './stores/token-store.ts';
