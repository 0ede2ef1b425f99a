import { ConfigurationError } from './errors.ts';

// Checks shared by every feature that reads its own options: each throws a ConfigurationError naming the option.

/** A non-empty, well-formed string, or `undefined`. */
export function optionalText(value: unknown, name: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '') throw new ConfigurationError(`${name} must be a non-empty string.`);
  // A lone surrogate would be sent as U+FFFD: silently other credentials than the ones given.
  if (/\p{Cs}/u.test(value)) throw new ConfigurationError(`${name} is not well-formed Unicode.`);
  return value;
}

/** A function, or `undefined`. */
export function optionalFunction<T>(value: unknown, name: string): T | undefined {
  if (value !== undefined && typeof value !== 'function') throw new ConfigurationError(`${name} must be a function.`);
  return value as T | undefined;
}
