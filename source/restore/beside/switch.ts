import { setTimeout as sleep } from 'node:timers/promises';
import type { Compose } from '../../compose/compose.ts';
import { ExitCode, OvenaError } from '../../errors.ts';
import { acquireLock, type HostLock } from '../../lock/host-lock.ts';
import { removeMarker, writeMarker } from '../../lock/restore-marker.ts';
import { directSql } from './pg-admin.ts';
import { recordSwitch } from './switch-record.ts';
import { allowSql, type SwitchNames, sessionsSql, switchStatements } from './switch-sql.ts';
import { dieHook } from './test-hook.ts';

export type SwitchOptions = {
  stateDir: string;
  dump: string;
  signal: AbortSignal;
  /** Start Orthanc (and wait until it answers) after the renames. */
  start: boolean;
  /** Waits until Orthanc answers (lifecycle's waitForOrthanc, injected). */
  waitForOrthanc(signal: AbortSignal): Promise<string>;
  log(line: string): void;
  /** How long to wait for a running backup to end before the switch (default 30 min). */
  lockWaitMs?: number;
};

export type SwitchResult = { downtimeMs: number | undefined; orthanc: string | undefined };

/**
 * Takes the exclusive restore lock for the switch, waiting (with a deadline) for a backup or a
 * check that holds a conflicting kind: the load ran beside them, the switch must not.
 */
export async function takeSwitchLock(
  stateDir: string,
  detail: string,
  signal: AbortSignal,
  log: (line: string) => void,
  waitMs = 30 * 60_000,
): Promise<HostLock> {
  const deadline = Date.now() + waitMs;
  let told = false;
  for (;;) {
    try {
      return await acquireLock(stateDir, 'restore', { detail });
    } catch (error) {
      if (!(error instanceof OvenaError) || error.exitCode !== ExitCode.busy) throw error;
      if (Date.now() > deadline) throw error;
      if (!told) log(`waiting for the switch: ${error.message}`);
      told = true;
    }
    await sleep(1000, undefined, { signal });
  }
}

/** Waits until no session is left on the databases (pg_terminate_backend only signals them). */
async function waitSessionsGone(
  sql: (text: string) => Promise<string[]>,
  databases: string[],
  signal: AbortSignal,
): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const [count = '0'] = await sql(sessionsSql(databases));
    if (count === '0') return;
    if (Date.now() > deadline)
      throw new OvenaError(`${count} sessions did not end on ${databases.join(' and ')}`);
    await sleep(100, undefined, { signal });
  }
}

/**
 * The switch: stop Orthanc; from `postgres`, block connections to both databases, end their
 * sessions, rename both in one transaction, re-allow; start Orthanc and wait. The marker (phase
 * `beside-switching`) is written before Orthanc stops, so a crash at any point is finished or
 * undone by `ovena start` or the next restore (settle.ts). A failure before the renames commit
 * rolls back here: connections re-allowed, Orthanc started again if it ran.
 */
export async function runSwitch(
  compose: Compose,
  names: SwitchNames,
  options: SwitchOptions,
): Promise<SwitchResult> {
  const { signal, stateDir } = options;
  const env = compose.env;
  const orthanc = compose.project.orthancService;
  await writeMarker(stateDir, {
    dump: options.dump,
    mode: 'beside',
    phase: 'beside-switching',
    beside: names,
    startedAt: new Date().toISOString(),
  });
  const wasRunning = (await compose.serviceState(orthanc, signal)).state === 'running';
  const sql = await directSql(compose, signal);
  dieHook(env, 'stop-orthanc');
  const stoppedAt = Date.now();
  await compose.stop([orthanc], signal);
  let renamed = false;
  try {
    for (const statement of switchStatements(names)) {
      dieHook(env, statement.id);
      // The statements run to the end even on Ctrl-C: a half switch is worse than a late exit.
      await sql(statement.sql);
      if (statement.id === 'terminate')
        await waitSessionsGone(sql, [names.live, names.incoming], new AbortController().signal);
      if (statement.id === 'rename') renamed = true;
    }
  } catch (error) {
    if (renamed) throw error; // settle.ts finishes it (marker kept)
    await sql(allowSql([names.live, names.incoming], true)).catch(() => undefined);
    await removeMarker(stateDir);
    if (wasRunning) await compose.up([orthanc]).catch(() => undefined);
    throw new OvenaError(
      `the switch failed before the renames and was rolled back (${(error as Error).message.split('\n')[0]}): ${names.live} is unchanged${wasRunning ? ', Orthanc was started again' : ''}`,
      ExitCode.failed,
      { cause: error },
    );
  }
  await removeMarker(stateDir);
  if (!options.start) return { downtimeMs: undefined, orthanc: undefined };
  dieHook(env, 'start-orthanc');
  await compose.up([orthanc], signal);
  const answer = await options.waitForOrthanc(signal);
  const downtimeMs = Date.now() - stoppedAt;
  await recordSwitch(stateDir, downtimeMs).catch(() => undefined);
  return { downtimeMs, orthanc: answer };
}
