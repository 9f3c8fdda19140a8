import type { Compose } from '../compose/compose.ts';
import { killGroupFunction } from '../compose/invocation.ts';
import { backupDir, temporaryPrefix } from '../dumps/dump-name.ts';
import { listShareFileNames } from '../dumps/list-dumps.ts';
import { isLiveOvena } from '../lock/process-alive.ts';
import { scratchPathOf } from './dump-to-share.ts';

/** `.ovena-tmp-NAME.PID.RANDOM.gz` (or `.zst`), as `temporaryName` makes them. */
const temporaryPattern = /^\.ovena-tmp-(.+)\.(\d+)\.([0-9a-f]+)\.(?:gz|zst)$/;

export function ownerPidOf(fileName: string): number | undefined {
  const match = temporaryPattern.exec(fileName);
  return match?.[2] ? Number(match[2]) : undefined;
}

/**
 * After a run died (kill -9, power loss) its pipeline may still be running in the db container:
 * `docker exec` does not stop it when the client dies. execStream left the process group id in
 * /tmp/ovena-exec-*.pid; kill those groups. Only called while holding the host lock, after a
 * stale lock was taken over, so no live run owns them.
 */
export const killOrphansScript = `${killGroupFunction}
n=0
for f in /tmp/ovena-exec-*.pid; do
  [ -s "$f" ] || continue
  pgid=$(cat "$f")
  case "$pgid" in ''|*[!0-9]*) rm -f -- "$f"; continue ;; esac
  ovena_kill_group "$pgid" && n=$((n + 1))
  rm -f -- "$f"
done
echo "$n"
`;

export async function killOrphanPipelines(compose: Compose, signal?: AbortSignal): Promise<number> {
  const text = await compose.execCapture(
    compose.project.dbService,
    ['sh', '-c', killOrphansScript],
    signal ? { signal } : {},
  );
  return Number(text.trim()) || 0;
}

/**
 * Removes temporary dump files in the share whose owner is no longer running on this host. They
 * are never dumps (no listing shows them); the published NAME.gz files are not touched.
 */
export async function removeStaleTemporaries(
  compose: Compose,
  options: {
    signal?: AbortSignal;
    isAlive?: (pid: number) => boolean;
    /** The share's file names when a listing was just read; otherwise the share is listed. */
    names?: readonly string[];
  } = {},
): Promise<string[]> {
  const isAlive = options.isAlive ?? isLiveOvena;
  const names = options.names ?? (await listShareFileNames(compose, options.signal));
  const stale = names.filter((name) => {
    if (!name.startsWith(temporaryPrefix)) return false;
    const pid = ownerPidOf(name);
    return pid !== undefined && pid !== process.pid && !isAlive(pid);
  });
  if (stale.length > 0) {
    // With each temporary file, the scratch folder of its parallel compression (if any).
    await compose.execCapture(
      compose.project.dbService,
      [
        'rm',
        '-rf',
        '--',
        ...stale.flatMap((name) => [`${backupDir}/${name}`, scratchPathOf(`${backupDir}/${name}`)]),
      ],
      options.signal ? { signal: options.signal } : {},
    );
  }
  return stale;
}
