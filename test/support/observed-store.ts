// A TokenStore that delegates to another and records every call, and can be made to fail or hang: the
// witness for "a cached call makes no store round trip" and the switch for "the store is down".
import type { TokenStore } from '../../src/stores/token-store.ts';

export interface StoreCall {
  operation: 'get' | 'set' | 'setIfAbsent' | 'expireIf' | 'deleteIf' | 'watch';
  key: string;
  value?: string;
}

export type StoreFault = 'none' | 'reject' | 'hang';

export class ObservedStore implements TokenStore {
  readonly calls: StoreCall[] = [];
  fault: StoreFault = 'none';
  readonly #inner: TokenStore;

  constructor(inner: TokenStore) {
    this.#inner = inner;
  }

  get sealing() {
    return this.#inner.sealing;
  }

  get(key: string) {
    return this.#run({ operation: 'get', key }, () => this.#inner.get(key));
  }
  set(key: string, value: string, ttlMs: number) {
    return this.#run({ operation: 'set', key, value }, () => this.#inner.set(key, value, ttlMs));
  }
  setIfAbsent(key: string, value: string, ttlMs: number) {
    return this.#run({ operation: 'setIfAbsent', key, value }, () => this.#inner.setIfAbsent(key, value, ttlMs));
  }
  expireIf(key: string, value: string, ttlMs: number) {
    return this.#run({ operation: 'expireIf', key, value }, () => this.#inner.expireIf(key, value, ttlMs));
  }
  deleteIf(key: string, value: string) {
    return this.#run({ operation: 'deleteIf', key, value }, () => this.#inner.deleteIf(key, value));
  }
  watch(key: string, listener: () => void) {
    return this.#run({ operation: 'watch', key }, async () => this.#inner.watch!(key, listener));
  }

  /** The calls of one kind. */
  count(operation: StoreCall['operation']): number {
    return this.calls.filter((call) => call.operation === operation).length;
  }

  #run<T>(call: StoreCall, operation: () => Promise<T>): Promise<T> {
    this.calls.push(call);
    if (this.fault === 'reject') return Promise.reject(new Error('store down (test)'));
    if (this.fault === 'hang') return new Promise<T>(() => {});
    return operation();
  }
}
