import { PassThrough } from 'node:stream';
import type { Compose } from '../compose/compose.ts';
import type { FileEntry, IndexEntry } from './compare.ts';
import { readLineBatches } from './lines.ts';

/** Orthanc's storage folder inside its container (the images share). */
export function storageDirectory(compose: Compose): string {
  const service = compose.model.services[compose.project.orthancService];
  const configured = service?.environment.ORTHANC__STORAGE_DIRECTORY;
  return (configured && configured.trim() !== '' ? configured : '/var/lib/orthanc/db').replace(
    /\/+$/,
    '',
  );
}

/** A command's output in a container, in batches of lines; its failure ends the iteration with an error. */
async function* containerLines(
  compose: Compose,
  service: string,
  argv: string[],
  signal: AbortSignal,
): AsyncGenerator<string[]> {
  const output = new PassThrough();
  const running = compose.execStream(service, argv, { signal, stdout: output }).then(
    () => output.end(),
    (error: unknown) => {
      output.destroy(error instanceof Error ? error : new Error(String(error)));
    },
  );
  try {
    yield* readLineBatches(output);
  } finally {
    if (!output.destroyed) output.resume();
    await running;
  }
}

/** The index side: every row of `attachedfiles` with its resource, sorted by uuid in byte order. */
export async function* indexEntries(
  compose: Compose,
  signal: AbortSignal,
): AsyncGenerator<IndexEntry[]> {
  const { dbService, dbUser, dbName } = compose.project;
  const sql =
    'COPY (SELECT a.uuid, a.filetype, a.compressedsize, r.publicid, r.resourcetype, r.internalid' +
    ' FROM attachedfiles a JOIN resources r ON r.internalid = a.id' +
    ' ORDER BY a.uuid COLLATE "C") TO STDOUT';
  const argv = ['psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-U', dbUser, '-d', dbName, '-c', sql];
  for await (const lines of containerLines(compose, dbService, argv, signal)) {
    yield lines.map((line) => {
      const [uuid = '', fileType, size, resourceId = '', resourceType, internalId] =
        line.split('\t');
      return {
        uuid,
        fileType: Number(fileType),
        sizeBytes: size === '\\N' ? -1 : Number(size),
        resourceId,
        resourceType: Number(resourceType),
        internalId: Number(internalId),
      };
    });
  }
}

/**
 * The file side: every file at Orthanc's layout depth (xx/yy/name) under the storage folder,
 * listed and sorted inside the orthanc container (the names never cross docker unsorted).
 * find's own failure (an unreadable folder) fails the listing.
 */
export const listFilesScript = `cd "$1" || exit 66
rc=$(mktemp)
{ find . -mindepth 3 -maxdepth 3 -type f -path './[0-9a-f][0-9a-f]/[0-9a-f][0-9a-f]/*' -printf '%f\\t%s\\t%T@\\t%P\\n'; echo "$?" >"$rc"; } | LC_ALL=C sort -t '\t' -k1,1 -S 64M || { rm -f "$rc"; exit 1; }
status=$(cat "$rc"); rm -f "$rc"
exit "\${status:-1}"`;

export async function* fileEntries(
  compose: Compose,
  directory: string,
  signal: AbortSignal,
): AsyncGenerator<FileEntry[]> {
  const argv = ['sh', '-c', listFilesScript, 'ovena-list-files', directory];
  for await (const lines of containerLines(compose, compose.project.orthancService, argv, signal)) {
    yield lines.map((line) => {
      const [uuid = '', size, modified, path = ''] = line.split('\t');
      return {
        uuid,
        path,
        sizeBytes: Number(size),
        modifiedMs: Math.round(Number(modified) * 1000),
      };
    });
  }
}
