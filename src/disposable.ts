/**
 * `await using` support without tying the published types to a TypeScript lib: `Symbol.asyncDispose` is
 * declared by `lib.esnext.disposable` (TypeScript 5.2+) and by `@types/node`, and an application may have
 * neither. Where its lib declares the symbol, a class that merges this interface has the member `await
 * using` looks for; elsewhere the member is simply absent from the types.
 */
/** `typeof Symbol.asyncDispose` where the TypeScript lib declares it, else `never`. */
export type AsyncDisposeKey = SymbolConstructor extends {
  /** The symbol whose method `await using` calls when a scope ends. */
  readonly asyncDispose: infer Key extends symbol;
}
  ? Key
  : never;

/** `[Symbol.asyncDispose]()`, which calls `close()`: what `await using` calls when the scope ends. */
export type AsyncDisposableByClose = { readonly [Key in AsyncDisposeKey]: () => Promise<void> };

/** Gives a class's instances `[Symbol.asyncDispose]()` calling `close()`, where the runtime has the symbol. */
export function disposeByClose(target: { prototype: { close(): Promise<void> } }): void {
  const asyncDispose = (Symbol as { asyncDispose?: symbol }).asyncDispose;
  if (asyncDispose === undefined) return;
  Object.defineProperty(target.prototype, asyncDispose, {
    value(this: { close(): Promise<void> }) {
      return this.close();
    },
    configurable: true,
    writable: true,
  });
}
