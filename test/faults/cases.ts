/**
 * The fault cases of the suite (issue 14), declared once: the README's "What survives what" table
 * is printed from this list (test/faults/table.ts), a unit test checks that the README holds that
 * table and that every staged case is proved by a test here, and each test records its case as
 * proved in the results file when it passes.
 */
import { appendFile } from 'node:fs/promises';

export type FaultCase = {
  /** `fault/operation`, the id a test passes to recordProved. */
  id: string;
  fault: string;
  operation: string;
  /** What the suite proves (staged), or why it cannot be staged here (notStaged). */
  outcome: string;
  notStaged?: true;
};

/** The plain load's steps (`--no-fast-load`): the db container is the server throughout. */
const restoreSteps = ['safety-dump', 'stop', 'remove-volume', 'start-db', 'load', 'check'];
/** The default restore's steps: the fast load runs on a one-off server, then back to durable. */
const fastSteps = [
  'safety-dump',
  'stop',
  'remove-volume',
  'start-db',
  'load',
  'post-data',
  'analyze',
  'durable',
  'check',
];
const destroys = (step: string) =>
  ['start-db', 'load', 'post-data', 'analyze', 'durable', 'check'].includes(step);

export const faultCases: FaultCase[] = [
  ...fastSteps.map(
    (step): FaultCase => ({
      id: `kill-ovena/restore-${step}`,
      fault: 'ovena SIGKILLed',
      operation: `restore, step ${step}`,
      outcome: destroys(step)
        ? `dumps kept; \`ovena start\` refuses (75, the restore marker); the same restore completes${['load', 'post-data', 'analyze', 'durable'].includes(step) ? ' and first removes the one-off load server the kill left' : ''}`
        : 'dumps kept; `ovena start` starts the database as it was; the same restore completes',
    }),
  ),
  {
    id: 'kill-db/backup',
    fault: 'db container killed',
    operation: 'backup (dump)',
    outcome: 'exit 69 naming the stopped container; previous dump kept; next backup completes',
  },
  ...restoreSteps.map((step): FaultCase => {
    const id = `kill-db/restore-${step}`;
    if (step === 'stop' || step === 'remove-volume')
      return {
        id,
        fault: 'db container killed',
        operation: `restore --no-fast-load, step ${step}`,
        outcome: 'the database is stopped by the step itself: nothing to kill',
        notStaged: true,
      };
    return {
      id,
      fault: 'db container killed',
      operation: `restore --no-fast-load, step ${step}`,
      outcome: destroys(step)
        ? 'exit 69, the state line names the restore to run; `ovena start` refuses (75); the same restore completes'
        : 'exit 69, the restore stops before destroying anything; database as it was; the restore completes',
    };
  }),
  {
    id: 'kill-load-server/restore',
    fault: 'one-off load server killed',
    operation: 'restore, fast load steps',
    outcome:
      'not staged yet (the db-kill series runs the plain load); the job fails and its marker keeps start off the volume, as after a SIGKILL of ovena',
    notStaged: true,
  },
  {
    id: 'share-full/backup',
    fault: 'backup share full',
    operation: 'backup (dump)',
    outcome:
      "exit 1, 'the backup share is full'; temporary file removed, previous dump kept; next backup completes",
  },
  {
    id: 'share-full/restore-safety-dump',
    fault: 'backup share full',
    operation: 'restore, step safety-dump',
    outcome:
      "exit 1, 'the backup share is full'; nothing stopped or destroyed, no marker; the restore completes",
  },
  {
    id: 'share-read-only/backup-before',
    fault: 'backup share read-only',
    operation: 'backup (before it)',
    outcome: 'exit 77 at the share check, nothing written; next backup completes',
  },
  {
    id: 'share-read-only/backup-during',
    fault: 'backup share read-only',
    operation: 'backup (dump)',
    outcome: "exit 1, 'gzip could not write the dump'; previous dump kept; next backup completes",
  },
  {
    id: 'share-gone/backup-before',
    fault: 'backup share gone (unmounted)',
    operation: 'backup (before it)',
    outcome:
      "exit 69, '/mnt/backup ... is not a mount point'; next backup (database restarted) completes",
  },
  {
    id: 'share-gone/backup-during',
    fault: 'backup share gone (unmounted)',
    operation: 'backup (dump)',
    outcome:
      'exit 69 at publish (fixed: it used to report OK with the dump in the container); next backup completes',
  },
  {
    id: 'state-garbage/last-backup',
    fault: 'last-backup.json garbage or truncated',
    operation: 'status, check, home screen',
    outcome:
      'file named (fixed: it showed "none recorded"); check critical (2); next backup rewrites it',
  },
  {
    id: 'state-garbage/restore-marker',
    fault: 'restore marker garbage or truncated',
    operation: 'start, backup, status, check',
    outcome: 'start and backup refuse (75) naming the file; status and check name it',
  },
  {
    id: 'state-garbage/lock-file',
    fault: 'lock file garbage',
    operation: 'backup, restore, status, check',
    outcome:
      'backup goes on; restore refuses (75) naming the file; status and check (warning, 1) name it; removed, the restore completes',
  },
  {
    id: 'state-garbage/ovena-yml',
    fault: 'ovena.yml garbage or truncated',
    operation: 'status, check, home screen',
    outcome: 'file named; the home screen opens (fixed: it exited 78)',
  },
  {
    id: 'docker-restart/backup',
    fault: 'Docker daemon restarted',
    operation: 'backup (dump)',
    outcome:
      'restarted as the dump begins: the containers come back (restart policy) and the backup completes',
  },
  {
    id: 'docker-restart/restore',
    fault: 'Docker daemon restarted',
    operation: 'restore, step load',
    outcome:
      'restarted before the load: the one-off load server is gone, the restore fails (1) with the state line; Orthanc stays stopped; `ovena start` refuses (75); the same restore completes',
  },
  {
    id: 'docker-restart/start',
    fault: 'Docker daemon restarted',
    operation: 'start',
    outcome: 'restarted before Orthanc starts: the start completes; the next start too',
  },
  {
    id: 'hostile/compose-readable',
    fault: 'compose file readable by others',
    operation: 'any command',
    outcome: 'a warning naming the file and "chmod 600" (new); the command runs',
  },
  {
    id: 'hostile/state-symlink',
    fault: 'state directory replaced by a symlink',
    operation: 'any command',
    outcome: 'refused, exit 77, the directory named (new)',
  },
  {
    id: 'hostile/state-world-writable',
    fault: 'state directory world-writable',
    operation: 'any command',
    outcome: 'refused, exit 77, naming "chmod 700" (new)',
  },
  {
    id: 'clock-skew/dumps',
    fault: 'a dump dated 3 days in the future (clock skew)',
    operation: 'list, restore plan and picker, status, check',
    outcome:
      'nothing negative: list, the restore plan and the picker say "2d 23h ahead of this clock" (never "0s ago"); status and check unaffected',
  },
];

export function faultCase(id: string): FaultCase {
  const found = faultCases.find((entry) => entry.id === id);
  if (!found) throw new Error(`no fault case ${id} in test/faults/cases.ts`);
  return found;
}

/** Where the suite's run writes the cases it proved (one JSON line each). */
export function resultsFile(env: NodeJS.ProcessEnv = process.env): string {
  return (
    env.OVENA_FAULTS_RESULTS ??
    `/tmp/ovena-faults-results-s${env.OVENA_TEST_STACK_SLOT ?? '0'}.jsonl`
  );
}

/** Records a case as proved by this run (called at the end of a passing case). */
export async function recordProved(id: string): Promise<void> {
  const entry = faultCase(id);
  if (entry.notStaged) throw new Error(`${id} is declared not staged`);
  await appendFile(resultsFile(), `${JSON.stringify({ id, at: new Date().toISOString() })}\n`);
}
