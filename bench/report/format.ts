import type { Cell, Figure } from '../scenarios/scenario.ts';

const integer = new Intl.NumberFormat('en', { maximumFractionDigits: 0 });

export function formatCell(cell: Cell | undefined, format: Figure['format']): string {
  if (cell === undefined) return '—';
  if (typeof cell === 'string') return cell;
  if (Number.isNaN(cell)) return '—';
  switch (format) {
    case 'count':
    case 'rate':
      return integer.format(cell);
    case 'ms':
      return `${cell.toFixed(1)} ms`;
    case 'ratio':
      return cell.toFixed(2);
    case 'bytes':
      return Math.abs(cell) >= 1024 * 1024 ? `${(cell / 1024 / 1024).toFixed(2)} MB` : `${integer.format(cell / 1024)} KB`;
    case 'text':
      return String(cell);
  }
}

/** A value divided by oauth-ccg's, or undefined where that means nothing (words, or a zero to divide by). */
export function ratio(cell: Cell | undefined, reference: Cell | undefined): number | undefined {
  if (typeof cell !== 'number' || typeof reference !== 'number' || Number.isNaN(cell) || Number.isNaN(reference) || reference === 0) return undefined;
  return cell / reference;
}

export function formatRatio(value: number): string {
  return `×${value >= 100 ? integer.format(value) : value.toFixed(2)}`;
}
