import { setTimeout as sleep } from 'node:timers/promises';
import { ExecaError, execa } from 'execa';
import type { Compose } from '../compose/compose.ts';
import { firstLine } from '../compose/tool-errors.ts';
import { ExitCode, OvenaError } from '../errors.ts';
import { containerTarget, dataDirectory, type PgTarget } from './pg-target.ts';
import { labelArgs } from './throwaway.ts';

/**
 * The fast load's one-off server: a container of the db service's image, with the db service's
 * own mounts (the fresh data volume among them), environment and user, but `--network none` and
 * postgres started with load-time `-c` settings (durability off, wal_level=minimal, …). Its
 * entrypoint runs initdb on the empty volume exactly as the service's first start would. It is
 * labelled like the drill's throw-away containers, so a run killed with -9 is removed by the next
 * restore (removeLeftovers) before anything else touches the volume.
 */
export type LoadServer = {
  containerId: string;
  target: PgTarget;
  /** Parallel sessions for index builds: the CPUs the container may use. */
  sessions: number;
  /** Per session, in MB (sessions × this stays within a quarter of the container's memory). */
  maintenanceWorkMemMb: number;
  /** Stops the server cleanly (a fast shutdown: SIGINT) and waits for its container to exit. */
  stop(signal?: AbortSignal): Promise<void>;
  /** `initdb --sync-only` on the stopped data directory: flushes what ran with fsync off. */
  syncDataDirectory(signal?: AbortSignal): Promise<void>;
  /** Removes the container (never the volume); safe to call twice. */
  remove(): Promise<void>;
};

type CreatedDb = {
  Config: {
    Image: string;
    Env?: string[] | null;
    Entrypoint?: string[] | null;
    Cmd?: string[] | null;
    User?: string;
  };
  HostConfig: { Memory?: number; NanoCpus?: number; ShmSize?: number };
  Mounts?: Array<{ Type: string; Name?: string; Source: string; Destination: string; RW: boolean }>;
};

/** The load-time settings of the one-off server (PostgreSQL docs, "Populating a Database"). */
export function loadSettings(options: {
  pgMajor: number | undefined;
  maintenanceWorkMemMb: number;
}): string[] {
  const settings = [
    'fsync=off',
    'full_page_writes=off',
    'synchronous_commit=off',
    'wal_level=minimal',
    'archive_mode=off',
    'max_wal_senders=0',
    'max_wal_size=8GB',
    'checkpoint_timeout=1h',
    'autovacuum=off',
    `maintenance_work_mem=${options.maintenanceWorkMemMb}MB`,
  ];
  if ((options.pgMajor ?? 0) >= 17) settings.push('summarize_wal=off');
  return settings.flatMap((setting) => ['-c', setting]);
}

/** Sessions and memory per session from the CPUs and memory the container may use. */
export function sizeSessions(
  cpus: number,
  memoryBytes: number,
): { sessions: number; maintenanceWorkMemMb: number } {
  const sessions = Math.max(1, Math.min(8, Math.floor(cpus)));
  const budgetMb = Math.floor(memoryBytes / 4 / 1024 / 1024);
  const perSession = Math.floor(budgetMb / sessions);
  return { sessions, maintenanceWorkMemMb: Math.max(16, Math.min(2048, perSession)) };
}

function envValue(env: readonly string[], key: string): string | undefined {
  const entry = env.find((line) => line.startsWith(`${key}=`));
  return entry?.slice(key.length + 1);
}

/**
 * Starts the one-off server on the db service's created (not started) container's configuration.
 * The caller created that container (`up --no-start`), so compose made the fresh volume itself.
 */
export async function startLoadServer(compose: Compose, signal: AbortSignal): Promise<LoadServer> {
  const { dbService, dbUser, dbName } = compose.project;
  compose.forgetContainer(dbService);
  const id = await compose.containerId(dbService, signal);
  if (!id)
    throw new OvenaError(`the ${dbService} container could not be found`, ExitCode.unavailable);
  const [created] = JSON.parse(await compose.docker(['inspect', id], { signal })) as CreatedDb[];
  if (!created)
    throw new OvenaError(`the ${dbService} container could not be inspected`, ExitCode.unavailable);
  const [ncpu = '1', memTotal = '0'] = (
    await compose.docker(['info', '--format', '{{.NCPU}} {{.MemTotal}}'], { signal })
  )
    .trim()
    .split(' ');
  const cpus = created.HostConfig.NanoCpus ? created.HostConfig.NanoCpus / 1e9 : Number(ncpu);
  const memory = created.HostConfig.Memory || Number(memTotal) || 1024 ** 3;
  const sized = sizeSessions(cpus, memory);
  const env = created.Config.Env ?? [];
  const pgMajor = Number(envValue(env, 'PG_MAJOR')) || undefined;
  const pgData = envValue(env, 'PGDATA') ?? dataDirectory;

  const args = ['run', '-d', '--network', 'none', ...labelArgs(compose, 'fast-load')];
  if (created.HostConfig.ShmSize) args.push('--shm-size', String(created.HostConfig.ShmSize));
  if (created.HostConfig.Memory) args.push('--memory', String(created.HostConfig.Memory));
  if (created.Config.User) args.push('--user', created.Config.User);
  const mounts = (created.Mounts ?? []).filter((m) => m.Type === 'volume' || m.Type === 'bind');
  for (const mount of mounts) {
    const source = mount.Type === 'volume' ? (mount.Name ?? mount.Source) : mount.Source;
    args.push(
      '--mount',
      `type=${mount.Type},src=${source},dst=${mount.Destination}${mount.RW ? '' : ',readonly'}`,
    );
  }
  // Values travel in the docker client's environment (`-e NAME`), never on its command line.
  const passed: Record<string, string> = {};
  for (const line of env) {
    const key = line.slice(0, line.indexOf('='));
    if (!key || key === 'PATH') continue;
    passed[key] = line.slice(key.length + 1);
    args.push('-e', key);
  }
  const [entrypoint, ...entryRest] = created.Config.Entrypoint ?? [];
  if (entrypoint) args.push('--entrypoint', entrypoint);
  const cmd = created.Config.Cmd ?? [];
  // The image's entrypoint runs postgres with these (the official one also takes leading flags
  // alone); a command that is not postgres's own (a wrapper) is not followed.
  const serverCmd = cmd[0] === 'postgres' || cmd[0]?.startsWith('-') === true ? cmd : [];
  args.push(
    created.Config.Image,
    ...entryRest,
    ...serverCmd,
    ...loadSettings({ pgMajor, ...sized }),
  );

  let containerId: string;
  try {
    containerId = (
      await execa('docker', args, {
        env: { ...compose.env, ...passed },
        cancelSignal: signal,
        forceKillAfterDelay: 5000,
      })
    ).stdout.trim();
  } catch (error) {
    if (error instanceof ExecaError && error.isCanceled) throw error;
    throw new OvenaError(
      `could not start the one-off load server (${created.Config.Image}): ${firstLine(String((error as ExecaError).stderr ?? (error as Error).message))}`,
      ExitCode.unavailable,
    );
  }
  let removed = false;
  const where = 'the one-off load server';
  // The server must not outlive ovena, kill -9 included: postgres is PID 1 in each container, so
  // a db service started by hand on the same volume would take this server's postmaster.pid for
  // its own stale one and run a second postmaster on the data. A `docker exec -i` holds a pipe
  // from ovena; when ovena ends, however it ends, the pipe closes and the exec sends postgres its
  // fast shutdown (SIGINT). Detached: a Ctrl-C on the terminal reaches ovena, not this client.
  let watchdog: ReturnType<typeof execa> | undefined;
  const server: LoadServer = {
    containerId,
    target: containerTarget({
      containerId,
      where,
      user: dbUser,
      database: dbName,
      env: compose.env,
    }),
    ...sized,
    async stop(stopSignal) {
      const options = stopSignal ? { signal: stopSignal } : {};
      // SIGINT to postgres (PID 1, as in the official image) is its fast shutdown; the container
      // ends with it.
      await compose.docker(['kill', '--signal', 'SIGINT', containerId], options);
      const code = (await compose.docker(['wait', containerId], options)).trim();
      if (code !== '0') {
        throw new OvenaError(`${where} did not stop cleanly (exit ${code})`, ExitCode.failed);
      }
    },
    async syncDataDirectory(syncSignal) {
      const data = mounts.find((m) => pgData.startsWith(m.Destination));
      if (!data) throw new OvenaError(`${where} has no data volume at ${pgData}`, ExitCode.failed);
      const source = data.Type === 'volume' ? (data.Name ?? data.Source) : data.Source;
      await compose.docker(
        [
          'run',
          '--rm',
          '--network',
          'none',
          ...labelArgs(compose, 'fast-load'),
          '--user',
          'postgres',
          '--mount',
          `type=${data.Type},src=${source},dst=${data.Destination}`,
          '--entrypoint',
          'initdb',
          created.Config.Image,
          '--sync-only',
          '-D',
          pgData,
        ],
        syncSignal ? { signal: syncSignal } : {},
      );
    },
    async remove() {
      if (removed) return;
      removed = true;
      await compose.docker(['rm', '-f', containerId]).catch(() => undefined);
      watchdog?.kill();
      await watchdog;
    },
  };
  try {
    await waitReady(compose, server, signal);
    watchdog = execa(
      'docker',
      ['exec', '-i', containerId, 'sh', '-c', 'cat >/dev/null; kill -INT 1'],
      {
        env: compose.env,
        stdin: 'pipe',
        stdout: 'ignore',
        stderr: 'ignore',
        reject: false,
        detached: true,
      },
    );
  } catch (error) {
    await server.remove();
    throw error;
  }
  return server;
}

/** Waits until the one-off server answers over TCP in its own network namespace (not the entrypoint's socket-only first server). */
async function waitReady(compose: Compose, server: LoadServer, signal: AbortSignal): Promise<void> {
  const deadline = Date.now() + 180_000;
  const { user, database } = server.target;
  for (;;) {
    signal.throwIfAborted();
    try {
      await server.target.capture(
        ['pg_isready', '-q', '-h', '127.0.0.1', '-U', user, '-d', database],
        signal,
      );
      return;
    } catch (error) {
      signal.throwIfAborted();
      const state = await compose.inspect(server.containerId, signal);
      if (!state?.running || Date.now() > deadline) {
        const logs = await compose
          .docker(['logs', '--tail', '5', server.containerId])
          .catch((failure: unknown) => String((failure as ExecaError).stderr ?? ''));
        throw new OvenaError(
          `the one-off load server did not start (${state?.running ? 'no answer in 180 s' : `container ${state?.status ?? 'gone'}`}): ${firstLine(logs || (error as Error).message)}`,
          ExitCode.unavailable,
        );
      }
    }
    await sleep(300, undefined, { signal });
  }
}
