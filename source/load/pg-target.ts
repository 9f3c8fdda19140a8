import { ExecaError, execa } from 'execa';
import type { Compose } from '../compose/compose.ts';
import { type ExecStreamOptions, execStreamInContainer } from '../compose/exec-stream.ts';
import { dockerExecArgs } from '../compose/invocation.ts';
import { firstLine } from '../compose/tool-errors.ts';

/** PostgreSQL's data directory in its container (official image up to version 17). */
export const dataDirectory = '/var/lib/postgresql/data';

/**
 * A PostgreSQL inside a container that ovena can run commands in: the live db service, or a
 * throw-away one of the drill. The loader and the dump scanner take this, never a Compose, so the
 * restore, the drill and a load beside the live database share one loader.
 */
export type PgTarget = {
  /** Names the container in messages, e.g. "the db container". */
  where: string;
  user: string;
  database: string;
  stream(argv: readonly string[], options: ExecStreamOptions): Promise<void>;
  capture(argv: readonly string[], signal?: AbortSignal): Promise<string>;
};

/** The live db service of a compose project. */
export function serviceTarget(compose: Compose): PgTarget {
  const { dbService, dbUser, dbName } = compose.project;
  return {
    where: `the ${dbService} container`,
    user: dbUser,
    database: dbName,
    stream: (argv, options) => compose.execStream(dbService, argv, options),
    capture: (argv, signal) => compose.execCapture(dbService, argv, signal ? { signal } : {}),
  };
}

/** A container found by id (e.g. the drill's throw-away PostgreSQL). */
export function containerTarget(options: {
  containerId: string;
  where: string;
  user: string;
  database: string;
  env: NodeJS.ProcessEnv;
}): PgTarget {
  const { containerId, where, env } = options;
  return {
    where,
    user: options.user,
    database: options.database,
    stream: (argv, streamOptions) =>
      execStreamInContainer(containerId, argv, where, env, streamOptions),
    async capture(argv, signal) {
      try {
        const result = await execa('docker', dockerExecArgs(containerId, argv), {
          env,
          cancelSignal: signal,
          forceKillAfterDelay: 5000,
        });
        return result.stdout;
      } catch (error) {
        if (error instanceof ExecaError && !error.isCanceled) {
          const stderr = String(error.stderr ?? '').trim();
          error.message = `${argv[0] ?? 'command'} failed in ${where}: ${stderr ? firstLine(stderr) : `exit code ${error.exitCode ?? '?'}`}`;
        }
        throw error;
      }
    },
  };
}

/** One SQL query through the target's own psql over the local socket; unaligned rows. */
export async function queryTarget(
  target: PgTarget,
  sql: string,
  signal?: AbortSignal,
): Promise<string[]> {
  const output = await target.capture(
    [
      'psql',
      '-X',
      '-q',
      '-A',
      '-t',
      '-v',
      'ON_ERROR_STOP=1',
      '-U',
      target.user,
      '-d',
      target.database,
      '-c',
      sql,
    ],
    signal,
  );
  return output
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
}
