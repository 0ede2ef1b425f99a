import type { Contender } from './contender.ts';

/** Every library under test (a module in this folder each), in the order they take turns. */
const MODULES = ['oauth-ccg', 'fetch-floor', 'fetch-timeout-floor', 'paypal', 'badgateway', 'openid-client', 'simple-oauth2', 'axios-oauth-client'];
/**
 * Measured in the overhead scenario only, taking turns with the libraries: oauth-ccg with options that cost
 * something on every call (DPoP), oauth-ccg through its axios adapter, and plain axios, the adapter's baseline.
 */
const VARIANT_MODULES = ['oauth-ccg-dpop', 'oauth-ccg-axios', 'axios-floor'];

export interface Unavailable {
  module: string;
  reason: string;
}

const modules = new WeakMap<Contender, string>();

/** The module that defines a contender, so that a child process can load the same one. */
export function moduleOf(contender: Contender): string {
  const module = modules.get(contender);
  if (module === undefined) throw new Error(`${contender.name} was not loaded by loadContender`);
  return module;
}

export async function loadContender(module: string): Promise<Contender> {
  const { contender } = (await import(new URL(`./${module}.ts`, import.meta.url).href)) as { contender: Contender };
  modules.set(contender, module);
  return contender;
}

/**
 * Imports each contender on its own, so that one that cannot load (oauth-ccg while src/ is being
 * written, say) is reported as not available instead of stopping the run.
 */
export async function loadContenders(): Promise<{ contenders: Contender[]; variants: Contender[]; unavailable: Unavailable[] }> {
  const unavailable: Unavailable[] = [];
  const load = async (modules: readonly string[]): Promise<Contender[]> => {
    const loaded: Contender[] = [];
    for (const module of modules) {
      try {
        loaded.push(await loadContender(module));
      } catch (error) {
        unavailable.push({ module, reason: error instanceof Error ? error.message.split('\n')[0]! : String(error) });
      }
    }
    return loaded;
  };
  return { contenders: await load(MODULES), variants: await load(VARIANT_MODULES), unavailable };
}
