import path from 'node:path';
import type { Compose } from '../compose/compose.ts';
import { ExitCode, OvenaError, UsageError } from '../errors.ts';
import type { Job, Step } from '../jobs/job.ts';
import { startSteps } from '../lifecycle/start.ts';

/**
 * Docker keeps a volume's old driver_opts while the volume exists, so changed credentials only
 * take effect once the volume is removed and created again. Only volumes whose data lives at their
 * `device` (a CIFS share, a bind) are ever removed: never the database volume, never a plain one.
 */
export function checkRecreatable(compose: Compose, volumes: readonly string[]): void {
  const { dbService } = compose.project;
  for (const volume of volumes) {
    const model = compose.model.volumes[volume];
    if (!model)
      throw new UsageError(
        `no volume "${volume}" in the compose file (volumes: ${Object.keys(compose.model.volumes).join(', ')})`,
      );
    const mountsDatabase = compose.model.services[dbService]?.volumes.some(
      (mount) => mount.source === volume && mount.target.startsWith('/var/lib/postgresql'),
    );
    if (mountsDatabase || volume === 'db-data')
      throw new OvenaError(
        `refusing to remove volume "${volume}": it holds the database`,
        ExitCode.usage,
      );
    if (model.external || !model.driverOpts.device)
      throw new OvenaError(
        `refusing to remove volume "${volume}": its data lives in docker, not on a share (no driver_opts.device)`,
        ExitCode.usage,
      );
  }
}

/** Services that mount any of the volumes, Orthanc before the database (stop order). */
export function servicesUsing(compose: Compose, volumes: readonly string[]): string[] {
  const { dbService, orthancService } = compose.project;
  const users = Object.entries(compose.model.services)
    .filter(([, service]) => service.volumes.some((mount) => volumes.includes(mount.source ?? '')))
    .map(([name]) => name);
  const rank = (name: string) => (name === orthancService ? 0 : name === dbService ? 2 : 1);
  return users.sort((a, b) => rank(a) - rank(b));
}

/** compose's default project name: COMPOSE_PROJECT_NAME, else the first file's folder name. */
export function projectName(compose: Compose): string {
  const fromEnv = compose.env.COMPOSE_PROJECT_NAME;
  const base = fromEnv || path.basename(path.dirname(compose.files[0] ?? ''));
  return base.toLowerCase().replace(/[^-_a-z0-9]/g, '');
}

async function dockerVolumeNames(
  compose: Compose,
  volume: string,
  services: readonly string[],
  signal: AbortSignal,
): Promise<string[]> {
  const names = new Set<string>();
  const explicit = compose.model.volumes[volume]?.name;
  names.add(explicit ?? `${projectName(compose)}_${volume}`);
  // The containers say which docker volume they really mount (whatever the project name).
  for (const service of services) {
    const id = await compose.containerId(service, signal);
    const state = id ? await compose.inspect(id, signal) : undefined;
    const targets = compose.model.services[service]?.volumes
      .filter((mount) => mount.source === volume)
      .map((mount) => mount.target);
    for (const mount of state?.mounts ?? []) {
      if (mount.type === 'volume' && mount.name && targets?.includes(mount.destination))
        names.add(mount.name);
    }
  }
  const existing: string[] = [];
  for (const name of names) {
    try {
      await compose.docker(['volume', 'inspect', '--format', '{{.Name}}', name], { signal });
      existing.push(name);
    } catch (error) {
      signal.throwIfAborted();
      void error;
    }
  }
  return existing;
}

export function recreateJob(compose: Compose, volumes: readonly string[], stateDir: string): Job {
  checkRecreatable(compose, volumes);
  const services = servicesUsing(compose, volumes);
  const { dbService, orthancService } = compose.project;
  // Orthanc never runs against a stopped database: when the db goes down, Orthanc goes first.
  const toStop =
    services.includes(dbService) && !services.includes(orthancService)
      ? [orthancService, ...services]
      : services;
  let found: string[] = [];
  const steps: Step[] = [
    {
      id: 'find-volumes',
      title: `Find the docker volumes of ${volumes.join(', ')}`,
      async run({ signal }) {
        const all: string[] = [];
        for (const volume of volumes)
          all.push(...(await dockerVolumeNames(compose, volume, services, signal)));
        found = [...new Set(all)];
        return { summary: found.length > 0 ? found.join(', ') : 'none exist yet' };
      },
    },
    {
      id: 'stop-services',
      title: `Stop the services using them (${toStop.join(', ') || 'none'})`,
      async run({ signal }) {
        for (const service of toStop) await compose.stop([service], signal);
      },
    },
    {
      id: 'remove-containers',
      title: 'Remove their stopped containers (they hold the old volumes)',
      async run({ signal }) {
        if (services.length === 0) return;
        // `rm` without -v: anonymous volumes and the database volume are kept.
        await compose.runOrFail('removing the stopped containers', ['rm', '-f', ...services], {
          signal,
        });
      },
    },
    {
      id: 'remove-volumes',
      title: 'Remove the volumes (unmounts; files on the NAS stay)',
      async run({ signal }) {
        for (const name of found) {
          try {
            await compose.docker(['volume', 'rm', name], { signal });
          } catch (error) {
            signal.throwIfAborted();
            throw new OvenaError(
              `could not remove volume ${name}: ${(error as Error).message.split('\n').at(-1) ?? ''}`,
            );
          }
        }
        return { summary: found.length > 0 ? `removed ${found.join(', ')}` : 'nothing to remove' };
      },
    },
    ...startSteps(compose, stateDir),
  ];
  const others = services.filter((name) => name !== dbService && name !== orthancService);
  if (others.length > 0) {
    steps.push({
      id: 'start-others',
      title: `Start ${others.join(', ')}`,
      async run({ signal }) {
        await compose.up(others, signal);
      },
    });
  }
  return {
    title: `Recreate volumes ${volumes.join(', ')}`,
    steps,
    describeState: (stoppedAt) =>
      stoppedAt === 'find-volumes' || stoppedAt === 'stop-services'
        ? 'volumes not removed; "ovena status" shows which services run; "ovena cifs apply" tries again'
        : 'services may be stopped; fix the cause, then "ovena cifs apply" recreates the volumes and starts them',
    successSummary: () =>
      `volumes ${volumes.join(', ')} recreated with the options now in the compose file`,
  };
}
