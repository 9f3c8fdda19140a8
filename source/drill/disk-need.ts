import { statfs } from 'node:fs/promises';
import type { Compose } from '../compose/compose.ts';
import { ExitCode, OvenaError } from '../errors.ts';
import { formatBytes } from '../format.ts';

/**
 * Loaded database size per byte of dump file, measured on bench/orthanc-like.sql at 100,000
 * instances (README): a 20.7 MB .sql.gz (89.8 MB of text) loads into a 172.5 MB database, 8.3x
 * the gzip file and 1.9x the text. Rounded up by a third for Orthanc's indexes, which the bench
 * tables lack; zstd files are about 18 % smaller than gzip for the same text. The load also
 * writes WAL, up to max_wal_size (1 GB by default) before checkpoints recycle it, and an empty
 * cluster takes about 64 MB.
 */
export const expansionFactor = { gzip: 11, zstd: 13, plain: 2.6 } as const;
const clusterBytes = 64 * 1024 * 1024;
const walBytes = 1024 * 1024 * 1024;

export type DiskNeed = {
  needBytes: number;
  freeBytes: number | undefined;
  root: string | undefined;
};

export function requiredBytes(dumpName: string, dumpBytes: number, env: NodeJS.ProcessEnv): number {
  const factor = dumpName.endsWith('.gz')
    ? expansionFactor.gzip
    : dumpName.endsWith('.zst')
      ? expansionFactor.zstd
      : expansionFactor.plain;
  // Test-only: multiply the need to simulate a small docker data root (README: Environment).
  const inflate = Number(env.OVENA_TEST_DRILL_DISK_MULTIPLIER ?? '1');
  const loaded = dumpBytes * factor;
  const need = loaded + Math.min(loaded, walBytes) + clusterBytes;
  return Math.ceil(need * (Number.isFinite(inflate) && inflate > 0 ? inflate : 1));
}

/** Free space of docker's data root (where the throw-away volume lives), when this host can see it. */
export async function dockerRootFree(
  compose: Compose,
  signal?: AbortSignal,
): Promise<{ root: string | undefined; freeBytes: number | undefined }> {
  const root = (
    await compose.docker(['info', '--format', '{{.DockerRootDir}}'], signal ? { signal } : {})
  ).trim();
  if (!root) return { root: undefined, freeBytes: undefined };
  try {
    const stats = await statfs(root);
    return { root, freeBytes: stats.bavail * stats.bsize };
  } catch {
    return { root, freeBytes: undefined };
  }
}

/** Refuses with one sentence when docker's data root cannot hold the loaded dump. */
export async function checkDiskNeed(
  compose: Compose,
  dumpName: string,
  dumpBytes: number,
  signal?: AbortSignal,
): Promise<DiskNeed> {
  const needBytes = requiredBytes(dumpName, dumpBytes, compose.env);
  const { root, freeBytes } = await dockerRootFree(compose, signal);
  if (freeBytes !== undefined && freeBytes < needBytes) {
    throw new OvenaError(
      `not enough disk for the drill: loading ${dumpName} (${formatBytes(dumpBytes)}) needs about ${formatBytes(needBytes)} in docker's data root ${root ?? '?'}, which has ${formatBytes(freeBytes)} free`,
      ExitCode.unavailable,
    );
  }
  return { needBytes, freeBytes, root };
}
