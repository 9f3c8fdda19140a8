import { execa } from 'execa';
import type { Compose } from '../compose/compose.ts';
import { type ExecStreamOptions, execStreamInContainer } from '../compose/exec-stream.ts';
import { environmentOf } from '../compose/model.ts';
import { findServiceContainers } from '../compose/quick-exec.ts';
import { containerTarget, type PgTarget, serviceTarget } from '../load/pg-target.ts';
import { isSecretVariable } from '../secrets/password-options.ts';
import { registerSecrets } from '../secrets/redact.ts';

/**
 * What an images check reads from: the db container (psql) and the orthanc container (the storage
 * folder). Either through a checked Compose, or found directly by compose labels (`quickCheckTarget`).
 */
export type CheckTarget = {
  db: PgTarget;
  /** Runs a long command in the orthanc container, unbuffered. */
  orthanc(argv: readonly string[], options: ExecStreamOptions): Promise<void>;
  /** Orthanc's storage folder inside its container (the images share), no trailing slash. */
  storageDirectory: string;
};

/** ORTHANC__STORAGE_DIRECTORY of the orthanc service, else the image's default. */
export function storageDirectoryOf(environment: Record<string, string | undefined>): string {
  const configured = environment.ORTHANC__STORAGE_DIRECTORY;
  return (configured && configured.trim() !== '' ? configured : '/var/lib/orthanc/db').replace(
    /\/+$/,
    '',
  );
}

/** Orthanc's storage folder as the compose file configures it. */
export function storageDirectory(compose: Compose): string {
  return storageDirectoryOf(
    compose.model.services[compose.project.orthancService]?.environment ?? {},
  );
}

export function composeCheckTarget(compose: Compose): CheckTarget {
  const { orthancService } = compose.project;
  return {
    db: serviceTarget(compose),
    orthanc: (argv, options) => compose.execStream(orthancService, argv, options),
    storageDirectory: storageDirectory(compose),
  };
}

/**
 * The check's target without compose: both running containers found by their compose labels with
 * one `docker ps`, their environment read with one `docker inspect` (the running container's own
 * POSTGRES_USER, POSTGRES_DB and ORTHANC__STORAGE_DIRECTORY, which compose put there from the same
 * file). Under load `compose config` and `compose ps` cost seconds; these two cost ~0.05 s.
 * Undefined whenever this does not apply (a service not running, docker missing, any doubt): the
 * caller then opens Compose, which reports every problem with its own exit code.
 */
export async function quickCheckTarget(
  files: readonly string[],
  env: NodeJS.ProcessEnv,
  signal?: AbortSignal,
): Promise<CheckTarget | undefined> {
  const dbService = env.OVENA_DB_SERVICE ?? 'db';
  const orthancService = env.OVENA_ORTHANC_SERVICE ?? 'orthanc';
  const ids = await findServiceContainers(files, env, [dbService, orthancService], signal);
  const dbId = ids?.get(dbService);
  const orthancId = ids?.get(orthancService);
  if (!dbId || !orthancId) return undefined;
  let environments: Array<Record<string, string>>;
  try {
    const { stdout } = await execa(
      'docker',
      ['inspect', '--format', '{{json .Config.Env}}', dbId, orthancId],
      { env, timeout: 10_000, cancelSignal: signal },
    );
    environments = stdout
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => environmentOf(JSON.parse(line) as unknown));
  } catch {
    signal?.throwIfAborted();
    return undefined;
  }
  const [dbEnv, orthancEnv] = environments;
  if (!dbEnv || !orthancEnv || environments.length !== 2) return undefined;
  for (const environment of environments) {
    registerSecrets(
      Object.entries(environment)
        .filter(([key]) => isSecretVariable(key))
        .map(([, value]) => value),
    );
  }
  // As compose/model.ts's projectInfo: the official postgres image's defaults.
  const user = dbEnv.POSTGRES_USER || 'postgres';
  const orthancWhere = `the ${orthancService} container`;
  return {
    db: containerTarget({
      containerId: dbId,
      where: `the ${dbService} container`,
      user,
      database: dbEnv.POSTGRES_DB || user,
      env,
    }),
    orthanc: (argv, options) => execStreamInContainer(orthancId, argv, orthancWhere, env, options),
    storageDirectory: storageDirectoryOf(orthancEnv),
  };
}
