import { OvenaError } from '../errors.ts';
import type { ComposeModel } from './model.ts';

/**
 * Docker keeps a volume's driver_opts while the volume exists. Compose v1 refuses to start a
 * service on a volume whose options changed; compose v2 (2.32+) asks "Recreate (data will be
 * lost)?" on volumes it labelled itself (and ovena never answers yes: on the database volume that
 * is the archive), and says nothing at all on volumes v1 created. So before every `up` ovena
 * compares the volumes itself and stops with the same one line on both versions.
 */
export function volumeDriftMessage(volume: string, option: string): string {
  return `the ${option} options of volume "${volume}" changed in the compose file but docker still uses the old ones: run "ovena cifs apply ${volume}" to recreate the volume`;
}

export type DockerVolume = {
  Name: string;
  Driver?: string;
  Options?: Record<string, string> | null;
};

/** compose's default project name: COMPOSE_PROJECT_NAME, else the first file's folder name. */
export function composeProjectName(files: readonly string[], env: NodeJS.ProcessEnv): string {
  const base = env.COMPOSE_PROJECT_NAME || (files[0] ?? '').split('/').slice(-2, -1)[0] || '';
  return base.toLowerCase().replace(/[^-_a-z0-9]/g, '');
}

/** The share-like volumes (data at driver_opts.device) that the services mount, with docker names. */
export function deviceVolumesOf(
  model: ComposeModel,
  services: readonly string[],
  project: string,
): Array<{ volume: string; dockerName: string }> {
  const used = new Set(
    services.flatMap((service) =>
      (model.services[service]?.volumes ?? []).map((mount) => mount.source ?? ''),
    ),
  );
  return Object.entries(model.volumes)
    .filter(([volume, spec]) => used.has(volume) && !spec.external && spec.driverOpts.device)
    .map(([volume, spec]) => ({ volume, dockerName: spec.name ?? `${project}_${volume}` }));
}

/** The first option (or "driver") in which docker's volume differs from the compose file's. */
export function changedOption(
  model: ComposeModel['volumes'][string],
  actual: DockerVolume,
): string | undefined {
  if ((model.driver ?? 'local') !== (actual.Driver ?? 'local')) return 'driver';
  // `compose config` (v1 and v2) prints a `$` as `$$`; docker holds the value compose passed on.
  const wanted = model.driverOpts;
  const have = actual.Options ?? {};
  for (const key of new Set([...Object.keys(wanted), ...Object.keys(have)])) {
    if (wanted[key]?.replaceAll('$$', '$') !== have[key]) return key;
  }
  return undefined;
}

/** Throws ovena's one line when an existing volume's options differ from the compose file's. */
export async function assertVolumesCurrent(
  model: ComposeModel,
  services: readonly string[],
  project: string,
  inspect: (dockerName: string) => Promise<DockerVolume | undefined>,
): Promise<void> {
  for (const { volume, dockerName } of deviceVolumesOf(model, services, project)) {
    const spec = model.volumes[volume];
    const actual = await inspect(dockerName);
    const option = spec && actual ? changedOption(spec, actual) : undefined;
    if (option) throw new OvenaError(volumeDriftMessage(volume, option));
  }
}

/** v2 asked to recreate the database volume: ovena said no, and says why it stops. */
export function databaseVolumeMessage(volume: string): string {
  return `the configuration of volume "${volume}" changed in the compose file; docker kept the existing volume, which holds the database and which ovena never recreates: undo that change in the compose file`;
}

/** The volume holds PostgreSQL's data (mounted by the db service under /var/lib/postgresql). */
export function holdsDatabase(model: ComposeModel, dbService: string, volume: string): boolean {
  if (volume === 'db-data') return true;
  return (model.services[dbService]?.volumes ?? []).some(
    (mount) => mount.source === volume && mount.target.startsWith('/var/lib/postgresql'),
  );
}

/**
 * Compose v2's question, answered "no" because ovena gives compose no terminal: it then went on
 * with the old volume. The caller turns that into an error naming the volume.
 */
export function promptedVolume(output: string, project: string): string | undefined {
  const match = /Volume "([^"]+)" exists but doesn't match configuration in compose file/.exec(
    output,
  );
  if (!match?.[1]) return undefined;
  const name = match[1];
  return name.startsWith(`${project}_`) ? name.slice(project.length + 1) : name;
}
