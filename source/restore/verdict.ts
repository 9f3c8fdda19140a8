import { OrthancClient, type OrthancStatistics } from '../orthanc/client.ts';

export type Verdict = {
  statistics: OrthancStatistics;
  sampled: number;
  missing: number;
  /** Ids of sampled instances whose file could not be read. */
  missingIds: string[];
};

/** Offsets of up to `count` instances spread evenly over `total`. */
export function sampleOffsets(total: number, count = 20): number[] {
  if (total <= 0) return [];
  const n = Math.min(total, count);
  const offsets = new Set<number>();
  for (let index = 0; index < n; index++) offsets.add(Math.floor((index * total) / n));
  return [...offsets];
}

/**
 * After a restore, /statistics reads only the index; `GET /instances/{id}/file` reads the file
 * itself, so a sample of those tells whether the image files on the share match the index.
 */
export async function collectVerdict(
  orthancUrl: string,
  signal: AbortSignal,
  sampleSize = 20,
): Promise<Verdict> {
  const client = new OrthancClient(orthancUrl);
  const statistics = await client.statistics(signal);
  const ids: string[] = [];
  for (const offset of sampleOffsets(statistics.CountInstances, sampleSize)) {
    const page = await client.getJson<string[]>(`/instances?since=${offset}&limit=1`, { signal });
    if (page[0] && !ids.includes(page[0])) ids.push(page[0]);
  }
  const missingIds: string[] = [];
  for (const id of ids) {
    signal.throwIfAborted();
    try {
      await client.get(`/instances/${encodeURIComponent(id)}/file`, {
        signal,
        timeoutMs: 30_000,
        discardBody: true,
      });
    } catch {
      signal.throwIfAborted();
      missingIds.push(id);
    }
  }
  return { statistics, sampled: ids.length, missing: missingIds.length, missingIds };
}

export function describeVerdict(verdict: Verdict): string {
  const s = verdict.statistics;
  const counts = `${s.CountPatients} patients, ${s.CountStudies} studies, ${s.CountInstances} instances`;
  if (verdict.sampled === 0) return `Orthanc: ${counts}`;
  if (verdict.missing === 0)
    return `Orthanc: ${counts}; all ${verdict.sampled} sampled instance files read back`;
  return `WARNING: ${verdict.missing} of ${verdict.sampled} sampled instance files are missing from the images share (Orthanc: ${counts}): put the image files back on the share`;
}
