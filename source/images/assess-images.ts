import type { LastImagesCheck } from './check-result.ts';

/**
 * What the last images check adds to `ovena check` and the home screen's verdict: index entries
 * whose file is missing are a warning (opening them fails). Orphans and a check that could not
 * run are shown but do not change the level.
 */
export function imagesWarning(check: LastImagesCheck | undefined): string | undefined {
  if (!check || check.result === 'failed' || check.counts.missing === 0) return undefined;
  const { missing } = check.counts;
  return `${missing} image file${missing === 1 ? '' : 's'} missing from the images share (last images check): "ovena images check" lists them`;
}

/** The home screen's "Image files" line and its tone. */
export function imagesLine(
  check: LastImagesCheck | undefined,
  now: number,
  formatAge: (ms: number) => string,
): { text: string; tone: 'green' | 'yellow' | 'red' | undefined } {
  if (!check) return { text: 'not checked yet ("Check image files")', tone: undefined };
  const age = `${formatAge(now - Date.parse(check.at))} ago`;
  if (check.result === 'failed')
    return { text: `check failed ${age}: ${check.error}`, tone: 'yellow' };
  const { counts } = check;
  if (check.result === 'clean')
    return { text: `${age} · all ${counts.matched} match`, tone: 'green' };
  const parts = [
    counts.missing > 0 ? `${counts.missing} missing` : '',
    counts.orphans > 0 ? `${counts.orphans} orphans` : '',
    counts.sizeMismatches > 0 ? `${counts.sizeMismatches} size mismatches` : '',
  ].filter(Boolean);
  return { text: `${age} · ${parts.join(', ')} · ${counts.matched} match`, tone: 'yellow' };
}
