import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../files/write-file-atomic.ts';
import type { LastImagesCheck } from './check-result.ts';

/** The last images check, for `ovena status`, `ovena check` and the home screen. Holds patient names: 0600. */
export const lastImagesCheckFile = 'last-images-check.json';

export async function readLastImagesCheck(stateDir: string): Promise<LastImagesCheck | undefined> {
  let text: string;
  try {
    text = await readFile(path.join(stateDir, lastImagesCheckFile), 'utf8');
  } catch {
    return undefined;
  }
  try {
    const value = JSON.parse(text) as Partial<LastImagesCheck>;
    if (typeof value.at !== 'string') return undefined;
    if (value.result === 'failed' && typeof value.error === 'string')
      return value as LastImagesCheck;
    if ((value.result === 'clean' || value.result === 'differences') && value.counts)
      return value as LastImagesCheck;
    return undefined;
  } catch {
    return undefined;
  }
}

export async function writeLastImagesCheck(
  stateDir: string,
  check: LastImagesCheck,
): Promise<void> {
  await mkdir(stateDir, { recursive: true, mode: 0o700 });
  await writeFileAtomic(path.join(stateDir, lastImagesCheckFile), `${JSON.stringify(check)}\n`, {
    mode: 0o600,
  });
}

/** The short form status --json and check --json carry (no patient lists). */
export function lastImagesCheckSummary(check: LastImagesCheck | undefined) {
  if (!check) return null;
  if (check.result === 'failed') return { at: check.at, result: check.result, error: check.error };
  return {
    at: check.at,
    result: check.result,
    durationMs: check.durationMs,
    counts: check.counts,
  };
}

export type LastImagesCheckSummary = ReturnType<typeof lastImagesCheckSummary>;

/** `ovena status`'s line about the image files. */
export function imagesStatusLine(summary: LastImagesCheckSummary): string {
  if (!summary)
    return 'Images    not checked yet: "ovena images check" compares the files with the index';
  if (summary.result === 'failed')
    return `Images    last check ${summary.at} could not run: ${summary.error}`;
  const counts = summary.counts;
  return summary.result === 'clean'
    ? `Images    checked ${summary.at}: all ${counts?.matched ?? 0} files match the index`
    : `Images    checked ${summary.at}: ${counts?.missing ?? 0} missing, ${counts?.orphans ?? 0} orphans, ${counts?.sizeMismatches ?? 0} size mismatches ("ovena images check" lists them)`;
}
