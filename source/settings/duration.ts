import { UsageError } from '../errors.ts';

const unitMs: Record<string, number> = {
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/** "90m", "2h", "1d", "1d12h", "1w": a duration for --max-age and the settings file. */
export function parseDuration(text: string, what = 'duration'): number {
  const trimmed = text.trim().toLowerCase();
  const pattern = /(\d+(?:\.\d+)?)\s*([smhdw])/g;
  let total = 0;
  let consumed = '';
  for (const match of trimmed.matchAll(pattern)) {
    total += Number(match[1]) * (unitMs[match[2] ?? ''] ?? 0);
    consumed += match[0];
  }
  if (trimmed === '' || consumed.replace(/\s/g, '') !== trimmed.replace(/\s/g, '') || total <= 0) {
    throw new UsageError(
      `${what} "${text}" is not a duration: write a number and a unit s, m, h, d or w, e.g. 26h or 2d`,
    );
  }
  return total;
}
