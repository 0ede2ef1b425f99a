// Runs a scratch consumer's compiled program with Node, from inside that project, and prints what
// happened as JSON for test/package/package.test.ts to check. Plain JavaScript, so that nothing but
// Node and the installed package takes part.
//   node run.mjs <compiled program> <server as JSON> <entry point specifiers as JSON>
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

const [programPath, serverJson, specifiersJson] = process.argv.slice(2);
const server = JSON.parse(serverJson);
const program = await import(pathToFileURL(programPath).href);
const require = createRequire(import.meta.url);

const call = await program.callApi(server);
const refused = await program.refusal(server);
const adapters = await program.callThroughAdapters(server);

// The dual-package hazard: errors from one copy checked against the classes of the other.
const copies = { import: await import('oauth-ccg'), require: require('oauth-ccg') };
const instanceOf = {};
for (const [loadedBy, copy] of Object.entries(copies)) {
  const other = copy === copies.import ? copies.require : copies.import;
  instanceOf[loadedBy] = {
    refusalIsOAuthProviderError: refused instanceof copy.OAuthProviderError,
    refusalIsOAuthCcgError: refused instanceof copy.OAuthCcgError,
    refusalIsTimeoutError: refused instanceof copy.TimeoutError,
    otherCopysTimeoutErrorIsNetworkError: new other.TimeoutError('t') instanceof copy.NetworkError,
    otherCopysNetworkErrorIsTimeoutError: new other.NetworkError('n') instanceof copy.TimeoutError,
  };
}

const entryPoints = {};
for (const specifier of JSON.parse(specifiersJson)) {
  entryPoints[specifier] = { import: Object.keys(await import(specifier)).length > 0, require: Object.keys(require(specifier)).length > 0 };
}

console.log(JSON.stringify({ call, refusal: refused.name, adapters, twoCopies: copies.import.Client !== copies.require.Client, instanceOf, entryPoints }));
