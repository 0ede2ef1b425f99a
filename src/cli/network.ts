// The fetch a command uses: Node's own (or mtlsFetch), with V8 set up for a short-lived process first.
//
// Node's fetch parses HTTP with a WebAssembly module that V8 recompiles in the background once it has
// run, and Node waits for that compilation before it exits: half a second of a command that makes one or
// two requests. V8's baseline compiler (Liftoff) alone is plenty for that. The flag is set on the first
// request, before the module is compiled, so that a token read from the cache loads none of this.
import { forgoCodeCache } from './code-cache.ts';

let baselineWebAssembly: Promise<void> | undefined;

/** `inner` (default: the global fetch), behind the V8 set-up, and carrying whatever marks `inner` (mtlsFetch says it presents a certificate). */
export function commandFetch(inner: typeof fetch = (input, init) => fetch(input, init)): typeof fetch {
  return withMarksOf(inner, async (input, init) => {
    baselineWebAssembly ??= import('node:v8').then((v8) => {
      v8.setFlagsFromString('--liftoff-only');
      forgoCodeCache();
    });
    await baselineWebAssembly;
    return inner(input, init);
  });
}

/** `wrapper`, given the symbol-keyed properties of `inner`: what the library reads of a fetch (mtlsFetch's mark) survives wrapping. */
export function withMarksOf(inner: typeof fetch, wrapper: (input: Parameters<typeof fetch>[0], init?: RequestInit) => Promise<Response>): typeof fetch {
  for (const key of Object.getOwnPropertySymbols(inner)) Object.defineProperty(wrapper, key, { value: (inner as unknown as Record<symbol, unknown>)[key] });
  return wrapper as typeof fetch;
}
