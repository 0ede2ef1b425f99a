// Durations as a person reads them: "4 min 12 s", "2 h 5 min", "3 d 1 h". Two units at most, since
// "expires in 4 min 12 s" is what a human checks against, not milliseconds.

const UNITS = [
  ['d', 86_400],
  ['h', 3_600],
  ['min', 60],
  ['s', 1],
] as const;

/** `seconds` (any sign: the magnitude is what is shown) in its two largest units. */
export function humanDuration(seconds: number): string {
  let rest = Math.round(Math.abs(seconds));
  const parts: string[] = [];
  for (const [unit, size] of UNITS) {
    const count = Math.floor(rest / size);
    rest -= count * size;
    if (count > 0 || (parts.length > 0 && parts.length < 2)) parts.push(`${count} ${unit}`);
    if (parts.length === 2) break;
  }
  return parts.length === 0 ? '0 s' : parts.join(' ').replace(/ 0 \w+$/, '');
}

/** "expires in 4 min 12 s", or "expired 3 s ago", for a unix time in seconds. */
export function expiryPhrase(expiry: number, nowSeconds: number): string {
  const left = expiry - nowSeconds;
  return left > 0 ? `expires in ${humanDuration(left)}` : `expired ${humanDuration(left)} ago`;
}
