import type { Compose } from '../../compose/compose.ts';
import { expansionFactor } from '../../drill/disk-need.ts';
import { ExitCode, OvenaError } from '../../errors.ts';
import { formatBytes } from '../../format.ts';
import { dataDirectory, serviceTarget } from '../../load/pg-target.ts';
import { runSql } from './pg-admin.ts';

/**
 * The disk a beside load needs in the database volume: the new database (the dump's size × the
 * expansion factor measured on the bench, drill/disk-need.ts) plus WAL headroom (max_wal_size,
 * which the new database shares with the live one) and a margin. A disk that fills crashes the
 * whole server, so a beside restore refuses up front.
 */
const marginBytes = 256 * 1024 * 1024;

export type BesideDisk = { needBytes: number; freeBytes: number; walBytes: number };

export function besideNeedBytes(dumpName: string, dumpBytes: number, walBytes: number): number {
  const factor = dumpName.endsWith('.gz')
    ? expansionFactor.gzip
    : dumpName.endsWith('.zst')
      ? expansionFactor.zstd
      : expansionFactor.plain;
  return Math.ceil(dumpBytes * factor + walBytes + marginBytes);
}

/** Free bytes of the filesystem under PostgreSQL's data directory, read in the db container. */
export async function volumeFreeBytes(compose: Compose, signal?: AbortSignal): Promise<number> {
  // Test-only (README: Environment): pretend the database volume has this many bytes free.
  const simulated = compose.env.OVENA_TEST_BESIDE_FREE_BYTES;
  if (simulated !== undefined && /^\d+$/.test(simulated)) return Number(simulated);
  const output = await serviceTarget(compose).capture(['df', '-P', '-k', dataDirectory], signal);
  const fields = (output.trim().split('\n').pop() ?? '').split(/\s+/);
  const kib = Number(fields[3]);
  if (!Number.isFinite(kib)) throw new OvenaError(`cannot read the free space of ${dataDirectory}`);
  return kib * 1024;
}

export async function besideDisk(
  compose: Compose,
  dump: { name: string; sizeBytes: number },
  signal?: AbortSignal,
): Promise<BesideDisk> {
  const [wal = '1024'] = await runSql(
    compose,
    "SELECT setting FROM pg_settings WHERE name = 'max_wal_size'",
    signal,
  );
  const walBytes = Number(wal) * 1024 * 1024;
  return {
    needBytes: besideNeedBytes(dump.name, dump.sizeBytes, walBytes),
    freeBytes: await volumeFreeBytes(compose, signal),
    walBytes,
  };
}

/** Refuses (exit 69) with the numbers when the volume cannot hold the new database. */
export function assertDiskEnough(disk: BesideDisk, dump: { name: string; sizeBytes: number }) {
  if (disk.freeBytes >= disk.needBytes) return;
  throw new OvenaError(
    `not enough disk for a beside restore: loading ${dump.name} (${formatBytes(dump.sizeBytes)}) next to the live database needs about ${formatBytes(disk.needBytes)} (the new database plus ${formatBytes(disk.walBytes)} of WAL headroom) in the database volume, which has ${formatBytes(disk.freeBytes)} free; nothing was created: free space, or restore from scratch`,
    ExitCode.unavailable,
  );
}
