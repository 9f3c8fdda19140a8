import type { Compose } from '../compose/compose.ts';
import { ExitCode, OvenaError } from '../errors.ts';
import { formatDuration } from '../format.ts';
import type { Step } from '../jobs/job.ts';
import { type LoadServer, startLoadServer } from '../load/load-server.ts';
import { loadSteps } from '../load/load-steps.ts';
import { queryTarget } from '../load/pg-target.ts';
import { queryDatabase, waitDatabaseReady } from './database-ops.ts';
import type { RestorePlan } from './preflight.ts';

/**
 * The fast load of a from-scratch restore, as steps that replace "start the database" and "load":
 * a one-off server on the fresh volume with durability off (load/load-server.ts), the schema,
 * each table's data in a transaction that empties it first (no WAL), indexes and constraints in
 * parallel sessions as soon as their tables are in, ANALYZE, then back to durable: the server
 * stopped, its data directory flushed (`initdb --sync-only`) while the db service starts as
 * configured, CHECKPOINT, and fsync / full_page_writes / wal_level checked.
 */
export type FastLoad = {
  steps: Step[];
  /** Removes the one-off server if it still runs (failure, interrupt); safe to call twice. */
  cleanup(): Promise<void>;
};

/** A setting the fast load turns off, and the value that would betray the load-time server. */
const durableChecks: Array<{ name: string; loadValue: string }> = [
  { name: 'fsync', loadValue: 'off' },
  { name: 'full_page_writes', loadValue: 'off' },
  { name: 'wal_level', loadValue: 'minimal' },
];

/** Checks the restarted db service's settings; returns e.g. "fsync=on, full_page_writes=on, wal_level=replica". */
export async function verifyDurable(
  compose: Compose,
  stoppedAt: number,
  signal: AbortSignal,
): Promise<string> {
  const rows = await queryDatabase(
    compose,
    `SELECT name || '|' || setting || '|' || source FROM pg_settings WHERE name IN (${durableChecks.map((c) => `'${c.name}'`).join(',')}) UNION ALL SELECT 'started|' || (extract(epoch FROM pg_postmaster_start_time()) * 1000)::bigint || '|'`,
    signal,
  );
  const values = new Map(
    rows.map((row) => row.split('|') as [string, string, string]).map(([n, v, s]) => [n, { v, s }]),
  );
  const started = Number(values.get('started')?.v ?? 0);
  if (started < stoppedAt - 1000) {
    throw new OvenaError(
      `the database was not restarted after the fast load (it runs since ${new Date(started).toISOString()})`,
    );
  }
  for (const check of durableChecks) {
    const value = values.get(check.name);
    if (!value) throw new OvenaError(`SHOW ${check.name} gave no value after the fast load`);
    // The load-time value is accepted only when the site's own configuration sets it.
    if (value.v === check.loadValue && !['configuration file', 'command line'].includes(value.s)) {
      throw new OvenaError(
        `after the fast load ${check.name} is ${value.v} (source: ${value.s}), not the configured value: the database is not durable; run the restore again with --no-fast-load`,
      );
    }
  }
  return durableChecks.map((c) => `${c.name}=${values.get(c.name)?.v}`).join(', ');
}

export function fastLoadSteps(
  compose: Compose,
  plan: RestorePlan,
  hooks: { beforeLoad(): Promise<void> },
): FastLoad {
  const { dbService } = compose.project;
  let server: LoadServer | undefined;
  const need = (): LoadServer => {
    if (!server) throw new OvenaError('the one-off load server is not running', ExitCode.failed);
    return server;
  };
  const steps: Step[] = [
    {
      id: 'start-db',
      title: 'Start a one-off load server on a fresh volume (no network, durability off)',
      async run({ signal, progress }) {
        // compose creates the volume and the container (not started); the server borrows both's configuration.
        await compose.runOrFail(
          `creating the ${dbService} container`,
          ['up', '--no-start', '--no-deps', dbService],
          { signal },
        );
        progress({ detail: 'initdb and start' });
        server = await startLoadServer(compose, signal);
        const [tables = '0'] = await queryTarget(
          server.target,
          "SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname NOT IN ('pg_catalog','information_schema')",
          signal,
        );
        if (Number(tables) > 0) {
          throw new OvenaError(
            `the new database already holds ${tables} tables: the data volume was not replaced`,
          );
        }
        return {
          summary: `${server.sessions} sessions, maintenance_work_mem ${server.maintenanceWorkMemMb} MB`,
        };
      },
    },
    ...loadSteps({
      path: plan.path,
      dumpName: plan.dump.name,
      sizeBytes: plan.dump.sizeBytes,
      scan: () => plan.dumpScan,
      beforeLoad: () => hooks.beforeLoad(),
      where: () => {
        const box = need();
        return {
          target: box.target,
          sessions: box.sessions,
          // Sessions already use every CPU; a parallel hash join in a foreign key's check would
          // also need more than docker's default 64 MB /dev/shm.
          postDataSettings: [
            `SET maintenance_work_mem = '${box.maintenanceWorkMemMb}MB'`,
            'SET max_parallel_workers_per_gather = 0',
          ],
        };
      },
    }),
    {
      id: 'durable',
      title:
        'Back to durable: stop the load server, flush to disk, start the database as configured',
      async run({ signal, progress }) {
        const box = need();
        // Each phase's time goes into the summary: where the step's seconds go.
        const phases: string[] = [];
        let mark = Date.now();
        const lap = (name: string) => {
          phases.push(`${name} ${formatDuration(Date.now() - mark)}`);
          mark = Date.now();
        };
        progress({ detail: 'stopping the one-off load server' });
        await box.stop(signal);
        const stoppedAt = Date.now();
        lap('stop');
        // The flush and the db service's start run at once: the service only reads what the
        // load wrote, and the marker keeps this restore unfinished until the flush is done too
        // (a crash before then reloads the dump). Both must succeed before CHECKPOINT.
        progress({ detail: `initdb --sync-only, starting ${dbService}` });
        let flushMs = 0;
        let startMs = 0;
        const flushed = box.syncDataDirectory(signal).then(() => {
          flushMs = Date.now() - stoppedAt;
        });
        const started = (async () => {
          await compose.up([dbService], signal);
          // pg_isready over TCP, not the compose healthcheck: its interval (often 10 s or more in
          // production files) would only add waiting; Orthanc's own start still waits for health.
          await waitDatabaseReady(compose, signal, 180_000, 200);
          startMs = Date.now() - stoppedAt;
        })();
        const [flush, start] = await Promise.allSettled([flushed, started]);
        if (flush.status === 'rejected') throw flush.reason;
        if (start.status === 'rejected') throw start.reason;
        await box.remove();
        server = undefined;
        phases.push(`flush ${formatDuration(flushMs)} beside start ${formatDuration(startMs)}`);
        mark = Date.now();
        progress({ detail: 'CHECKPOINT' });
        await queryDatabase(compose, 'CHECKPOINT', signal);
        const settings = await verifyDurable(compose, stoppedAt, signal);
        lap('checkpoint and check');
        return { summary: `${settings} (${phases.join(', ')})` };
      },
    },
  ];
  return {
    steps,
    async cleanup() {
      await server?.remove();
      server = undefined;
    },
  };
}
