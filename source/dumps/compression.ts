import { UsageError } from '../errors.ts';

/**
 * How a dump is compressed in the share. gzip is the original tool's format and the default;
 * zstd is the option the official postgres images make possible (they ship zstd, not pigz).
 */
export type Compression = 'gzip' | 'zstd';

export const compressions: readonly Compression[] = ['gzip', 'zstd'];

type CompressionFacts = {
  /** Appended to NAME.sql in the share. */
  extension: string;
  /** Reads the file to plain SQL inside the container (shell words, file name appended). */
  reader: string;
  /** How to load it by hand, for the README-style hints. */
  byHand: string;
};

export const compressionFacts: Record<Compression, CompressionFacts> = {
  gzip: { extension: '.gz', reader: 'gunzip -c --', byHand: 'gunzip -c' },
  zstd: { extension: '.zst', reader: 'zstd -dcq --', byHand: 'zstd -dc' },
};

/** The shell `case` arms that pick a reader by file name, for scripts run in the container. */
export const readerCaseArms = Object.values(compressionFacts)
  .map(({ extension, reader }) => `*${extension}) reader="${reader}" ;;`)
  .join(' ');

export function parseCompression(value: string, what = '--compress'): Compression {
  if ((compressions as readonly string[]).includes(value)) return value as Compression;
  throw new UsageError(`invalid ${what}=${value}: use gzip (the default) or zstd`);
}

/** The compression a file name says, or undefined for a plain .sql file. */
export function compressionOfFile(fileName: string): Compression | undefined {
  for (const compression of compressions) {
    if (fileName.endsWith(compressionFacts[compression].extension)) return compression;
  }
  return undefined;
}

/** `x.sql.gz` → `x.sql`; `x.sql.zst` → `x.sql`; `x.sql` → `x.sql`. */
export function withoutCompression(fileName: string): string {
  const compression = compressionOfFile(fileName);
  return compression
    ? fileName.slice(0, -compressionFacts[compression].extension.length)
    : fileName;
}
