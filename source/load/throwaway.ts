import { createHash, randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { ExecaError } from 'execa';
import type { Compose } from '../compose/compose.ts';
import { firstLine } from '../compose/tool-errors.ts';
import { backupDir } from '../dumps/dump-name.ts';
import { ExitCode, OvenaError } from '../errors.ts';
import { isLiveOvena } from '../lock/process-alive.ts';
import { containerTarget, dataDirectory, type PgTarget } from './pg-target.ts';

/**
 * A throw-away PostgreSQL beside the live one: a container of the db service's image started
 * with `docker run --network none`, on a volume of its own, the backup share mounted read-only.
 * Never `compose run` (that one-off helper mounts the live data volume and shares the host's
 * network and port). Container and volume carry labels, so a run killed with -9 is cleaned up
 * by the next one.
 */
export const labelKey = 'ovena.drill';
const pidKey = 'ovena.drill.pid';
const composeKey = 'ovena.drill.compose';

/** `fast-load`: the restore's one-off load server on the real (fresh) data volume (load-server.ts). */
export type ThrowawayKind = 'drill' | 'read' | 'fast-load';

export type Throwaway = {
  containerId: string;
  volume: string | undefined;
  target: PgTarget;
  /** Removes the container and its volume; safe to call twice. */
  remove(): Promise<void>;
};

/** One value per compose project on this host (its compose files), so stacks never clean each other up. */
export function composeTag(compose: Compose): string {
  return createHash('sha256').update(compose.files.join(':')).digest('hex').slice(0, 16);
}

type LiveDb = {
  image: string;
  entrypoint: string[];
  cmd: string[];
  backup: { type: string; source: string };
  dataDir: string;
};

/** The image, entrypoint and share mount of the live db container, read with `docker inspect`. */
async function liveDb(compose: Compose, signal?: AbortSignal): Promise<LiveDb> {
  const { dbService } = compose.project;
  const id = await compose.containerId(dbService, signal);
  if (!id) {
    throw new OvenaError(
      `the ${dbService} container does not exist, so its image and backup share are unknown: run "ovena start" once`,
      ExitCode.unavailable,
    );
  }
  const [entry] = JSON.parse(
    await compose.docker(['inspect', id], signal ? { signal } : {}),
  ) as Array<{
    Config: { Image: string; Entrypoint?: string[] | null; Cmd?: string[] | null };
    Mounts?: Array<{ Type: string; Name?: string; Source: string; Destination: string }>;
  }>;
  if (!entry)
    throw new OvenaError(`the ${dbService} container could not be inspected`, ExitCode.unavailable);
  const mounts = entry.Mounts ?? [];
  const share = mounts.find((mount) => mount.Destination === backupDir);
  if (!share) {
    throw new OvenaError(
      `the ${dbService} container has no backup share at ${backupDir}: fix the compose file`,
      ExitCode.config,
    );
  }
  const data = mounts.find((mount) => mount.Destination.startsWith('/var/lib/postgresql'));
  return {
    image: entry.Config.Image,
    entrypoint: entry.Config.Entrypoint ?? [],
    cmd: entry.Config.Cmd ?? [],
    backup: {
      type: share.Type,
      source: share.Type === 'volume' ? (share.Name ?? share.Source) : share.Source,
    },
    dataDir: data?.Destination ?? dataDirectory,
  };
}

/** Refuses (69) when the db service's image is not on this host: the drill never pulls. */
export async function assertImage(
  compose: Compose,
  image: string,
  signal?: AbortSignal,
): Promise<void> {
  try {
    await compose.docker(['image', 'inspect', image], signal ? { signal } : {});
  } catch (error) {
    if (error instanceof ExecaError && error.isCanceled) throw error;
    throw new OvenaError(
      `the database image ${image} is not available on this host: the drill needs it (docker pull ${image})`,
      ExitCode.unavailable,
    );
  }
}

export function labelArgs(compose: Compose, kind: ThrowawayKind): string[] {
  return [
    '--label',
    `${labelKey}=${kind}`,
    '--label',
    `${pidKey}=${process.pid}`,
    '--label',
    `${composeKey}=${composeTag(compose)}`,
  ];
}

async function removeQuietly(compose: Compose, args: string[]): Promise<void> {
  try {
    await compose.docker(args);
  } catch {
    // already gone
  }
}

/**
 * Removes containers and volumes of earlier drills and dry runs of this compose project whose
 * ovena process is gone (kill -9, power loss). Returns what was removed.
 */
export async function removeLeftovers(compose: Compose, signal?: AbortSignal): Promise<string[]> {
  const filter = ['--filter', `label=${composeKey}=${composeTag(compose)}`];
  const options = signal ? { signal } : {};
  const removed: string[] = [];
  const containers = await compose.docker(
    ['ps', '-a', ...filter, '--format', `{{.ID}}\t{{.Label "${pidKey}"}}`],
    options,
  );
  for (const line of containers.split('\n').filter(Boolean)) {
    const [id = '', pid = ''] = line.split('\t');
    if (isLiveOvena(Number(pid)) && Number(pid) !== process.pid) continue;
    await removeQuietly(compose, ['rm', '-f', '-v', id]);
    removed.push(`container ${id.slice(0, 12)}`);
  }
  const volumes = await compose.docker(
    ['volume', 'ls', ...filter, '--format', `{{.Name}}\t{{.Label "${pidKey}"}}`],
    options,
  );
  for (const line of volumes.split('\n').filter(Boolean)) {
    const [name = '', pid = ''] = line.split('\t');
    if (isLiveOvena(Number(pid)) && Number(pid) !== process.pid) continue;
    await removeQuietly(compose, ['volume', 'rm', '-f', name]);
    removed.push(`volume ${name}`);
  }
  return removed;
}

/** Waits until the throw-away PostgreSQL answers over TCP inside its own network namespace. */
async function waitReady(compose: Compose, box: Throwaway, signal: AbortSignal): Promise<void> {
  const deadline = Date.now() + 180_000;
  for (;;) {
    signal.throwIfAborted();
    try {
      await box.target.capture(
        ['pg_isready', '-q', '-h', '127.0.0.1', '-U', box.target.user, '-d', box.target.database],
        signal,
      );
      return;
    } catch (error) {
      signal.throwIfAborted();
      const state = await compose.inspect(box.containerId, signal);
      if (!state?.running || Date.now() > deadline) {
        const logs = await compose
          .docker(['logs', '--tail', '5', box.containerId])
          .catch((failure: unknown) => String((failure as ExecaError).stderr ?? ''));
        throw new OvenaError(
          `the throw-away PostgreSQL did not start (${state?.running ? 'no answer in 180 s' : `container ${state?.status ?? 'gone'}`}): ${firstLine(logs || (error as Error).message)}`,
          ExitCode.unavailable,
        );
      }
    }
    await sleep(500, undefined, { signal });
  }
}

/**
 * Starts a throw-away container. `drill`: PostgreSQL on a fresh labelled volume, ready to load.
 * `read`: no database, just a shell that sees the share read-only (the dry run's reader).
 */
export async function startThrowaway(
  compose: Compose,
  kind: 'drill' | 'read',
  signal: AbortSignal,
): Promise<Throwaway> {
  const live = await liveDb(compose, signal);
  await assertImage(compose, live.image, signal);
  const { dbUser, dbName, dbService } = compose.project;
  const id = `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
  const volume = kind === 'drill' ? `ovena-drill-${id}` : undefined;
  const labels = labelArgs(compose, kind);
  const shareMount =
    live.backup.type === 'volume'
      ? `type=volume,src=${live.backup.source},dst=${backupDir},readonly`
      : `type=bind,src=${live.backup.source},dst=${backupDir},readonly`;
  const args = ['run', '-d', '--network', 'none', ...labels, '--mount', shareMount];
  if (volume) {
    await compose.docker(['volume', 'create', ...labels, volume], { signal });
    args.push('--mount', `type=volume,src=${volume},dst=${live.dataDir}`);
  }
  const environment = compose.model.services[dbService]?.environment ?? {};
  for (const [key, value] of Object.entries(environment)) {
    if (!/PASSWORD/i.test(key)) args.push('-e', `${key}=${value}`);
  }
  // Its own password: the live one never reaches this container (no network anyway).
  args.push('-e', `POSTGRES_PASSWORD=${randomBytes(12).toString('hex')}`);
  if (kind === 'read') args.push('--entrypoint', 'sleep', live.image, 'infinity');
  else {
    const [entrypoint, ...rest] = live.entrypoint;
    if (entrypoint) args.push('--entrypoint', entrypoint);
    // A site's WAL archiving must not follow the throw-away server (its archive is the live one's).
    const postgresArgs =
      live.cmd.length === 0 || live.cmd[0] === 'postgres' || live.cmd[0]?.startsWith('-') === true
        ? ['-c', 'archive_mode=off']
        : [];
    args.push(live.image, ...rest, ...live.cmd, ...postgresArgs);
  }
  let containerId: string;
  try {
    containerId = (await compose.docker(args)).trim();
  } catch (error) {
    if (volume) await removeQuietly(compose, ['volume', 'rm', '-f', volume]);
    throw new OvenaError(
      `could not start a throw-away container of ${live.image}: ${firstLine(String((error as ExecaError).stderr ?? (error as Error).message))}`,
      ExitCode.unavailable,
    );
  }
  let removed = false;
  const box: Throwaway = {
    containerId,
    volume,
    target: containerTarget({
      containerId,
      where: 'the throw-away PostgreSQL container',
      user: dbUser,
      database: dbName,
      env: compose.env,
    }),
    async remove() {
      if (removed) return;
      removed = true;
      await removeQuietly(compose, ['rm', '-f', '-v', containerId]);
      if (volume) await removeQuietly(compose, ['volume', 'rm', '-f', volume]);
    },
  };
  if (kind === 'drill') {
    try {
      await waitReady(compose, box, signal);
    } catch (error) {
      await box.remove();
      throw error;
    }
  }
  return box;
}
