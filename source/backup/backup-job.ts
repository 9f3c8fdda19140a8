import type { Compose } from '../compose/compose.ts';
import type { Compression } from '../dumps/compression.ts';
import { backupDir, temporaryPrefix } from '../dumps/dump-name.ts';
import { ExitCode, OvenaError } from '../errors.ts';
import { formatBytes, formatDuration, formatRate } from '../format.ts';
import { countOrthancInstances } from '../history/guard.ts';
import type { Job } from '../jobs/job.ts';
import { acquireLock, type HostLock } from '../lock/host-lock.ts';
import { assertNoBlockingRestore } from '../lock/restore-marker.ts';
import { dumpSteps, dumpTarget } from './dump-steps.ts';
import { killOrphanPipelines, removeStaleTemporaries } from './stale-cleanup.ts';

/**
 * Fails unless /mnt/backup is a mount point inside the db container: the share is mounted by
 * docker so that nothing is ever written into an orphaned local folder. Prints free space.
 */
export const shareCheckScript = `
dir="$1"
[ -d "$dir" ] || exit 10
if command -v mountpoint >/dev/null 2>&1; then mountpoint -q "$dir" || exit 11
else awk -v d="$dir" '$2 == d { found = 1 } END { exit !found }' /proc/mounts || exit 11; fi
[ -w "$dir" ] || exit 12
df -Pk "$dir" | awk 'NR == 2 { print $4 * 1024 }'
# The temporary files in the share, for the stale-file cleanup once the lock is held (one exec less).
find "$dir" -mindepth 1 -maxdepth 1 -type f -name "$2*" -printf 'ovena-tmp %f\\n' 2>/dev/null &&
  echo 'ovena-tmp-listed'
exit 0
`;

/** Free bytes in the share, and the names of the temporary dump files in it. */
export async function checkShare(
  compose: Compose,
  signal?: AbortSignal,
): Promise<{ freeBytes: number; temporaries: string[] | undefined }> {
  const { dbService } = compose.project;
  // A clear "not running" error (exit 69) before anything else.
  await compose.runningContainer(dbService, signal);
  try {
    const text = await compose.execCapture(
      dbService,
      ['sh', '-c', shareCheckScript, 'ovena-share', backupDir, temporaryPrefix],
      signal ? { signal } : {},
    );
    const lines = text.trim().split('\n');
    const temporaries = lines.flatMap((line) => {
      const match = /^ovena-tmp (.+)$/.exec(line);
      return match?.[1] ? [match[1]] : [];
    });
    // Without the closing line (find failed) the cleanup lists the share itself.
    const listed = lines.includes('ovena-tmp-listed');
    return { freeBytes: Number(lines[0]), temporaries: listed ? temporaries : undefined };
  } catch (error) {
    signal?.throwIfAborted();
    const code = (error as { exitCode?: number }).exitCode;
    if (code === 10 || code === 11) {
      throw new OvenaError(
        `${backupDir} in the ${dbService} container is ${code === 10 ? 'missing' : 'not a mount point'}: the backup share is not mounted; check the "backup" volume in the compose file ("ovena cifs") and restart the database`,
        ExitCode.unavailable,
      );
    }
    if (code === 12) {
      throw new OvenaError(
        `${backupDir} in the ${dbService} container is not writable: check the share's permissions (file_mode/dir_mode, uid/gid)`,
        ExitCode.noPermission,
      );
    }
    throw error;
  }
}

export type BackupOutcome = {
  file: string;
  sizeBytes: number;
  durationMs: number;
  /** Set once the lock is held: a run that never got it must not touch the record. */
  locked: boolean;
  /** Orthanc's instance count read right before the dump, and the tables the dump holds. */
  instances?: number | undefined;
  tables?: number;
};

/** check share, lock, dump + compress, verify, publish. The caller releases `state.lock`. */
export function backupJob(
  compose: Compose,
  options: { fileName: string; stateDir: string; compression?: Compression },
): { job: Job; state: { lock?: HostLock; outcome: BackupOutcome } } {
  const target = dumpTarget(options.fileName, options.compression);
  const { finalPath } = target;
  const state: { lock?: HostLock; outcome: BackupOutcome } = {
    outcome: { file: finalPath, sizeBytes: 0, durationMs: 0, locked: false },
  };
  let started = 0;
  let temporaries: string[] | undefined;
  const job: Job = {
    title: `Back up the database to ${finalPath}`,
    steps: [
      {
        id: 'check-share',
        title: `Check the backup share (${backupDir})`,
        async run({ signal }) {
          started = Date.now();
          const share = await checkShare(compose, signal);
          temporaries = share.temporaries;
          return { summary: `mounted, ${formatBytes(share.freeBytes)} free` };
        },
      },
      {
        id: 'lock',
        title: 'Take the backup/restore lock',
        async run({ signal, log }) {
          const lock = await acquireLock(options.stateDir, 'backup', { detail: `to ${finalPath}` });
          state.lock = lock;
          state.outcome.locked = true;
          // A half-loaded database must never be dumped over a good dump (often the one loading).
          await assertNoBlockingRestore(options.stateDir, 'backup', 'backing up');
          const notes: string[] = [];
          if (lock.stale) {
            log(
              `a previous ${lock.stale.kind} (pid ${lock.stale.pid}, started ${lock.stale.startedAt}) died; cleaning up after it`,
            );
            const killed = await killOrphanPipelines(compose, signal);
            if (killed > 0) notes.push(`stopped ${killed} orphaned pipeline(s) in the container`);
          }
          // From the share check's listing: a run that died since leaves its file to the next.
          const removed = await removeStaleTemporaries(compose, {
            signal,
            ...(temporaries ? { names: temporaries } : {}),
          });
          for (const name of removed) log(`removed stale temporary file ${backupDir}/${name}`);
          if (removed.length > 0) notes.push(`removed ${removed.length} stale temporary file(s)`);
          return { summary: notes.join('; ') || undefined };
        },
      },
      ...dumpSteps(compose, target, {
        supersede: true,
        beforeDump: async (signal) => {
          state.outcome.instances = await countOrthancInstances(compose, signal);
        },
        onProgress: (update) => {
          state.outcome.tables = update.tablesDone;
        },
        onPublished: (sizeBytes) => {
          state.outcome.sizeBytes = sizeBytes;
          state.outcome.durationMs = Date.now() - started;
        },
      }),
    ],
    describeState: (stoppedAt) => {
      if (stoppedAt === 'check-share' || stoppedAt === 'lock') return 'nothing was written';
      return `${finalPath} was not replaced (the previous dump, if any, is unchanged); the temporary file was removed`;
    },
    successSummary: () => {
      const { sizeBytes, durationMs } = state.outcome;
      return `${finalPath}, ${formatBytes(sizeBytes)} in ${formatDuration(durationMs)} (${formatRate(sizeBytes, durationMs)})`;
    },
  };
  return { job, state };
}
