// axios-token-interceptor 0.2 ships no type declarations; this covers the part the bench uses.
declare module 'axios-token-interceptor' {
  import type { InternalAxiosRequestConfig } from 'axios';

  interface TokenCache<T> {
    (): Promise<T>;
    reset(): void;
  }
  interface TokenProviderOptions<T> {
    token?: string;
    getToken?: () => T | Promise<T>;
    header?: string;
    headerFormatter?: (token: T) => string;
  }
  interface TokenProvider {
    <T>(options: TokenProviderOptions<T>): (config: InternalAxiosRequestConfig) => Promise<InternalAxiosRequestConfig>;
    tokenCache<T>(getToken: () => Promise<T>, options: { maxAge?: number; getMaxAge?: (token: T) => number }): TokenCache<T>;
  }
  const tokenProvider: TokenProvider;
  export default tokenProvider;
}
