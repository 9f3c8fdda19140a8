import path from 'node:path';

/** Where ovena keeps its files; every path can be moved by an environment variable so tests never touch /etc or /var. */
export type Paths = {
  composeFiles: string[];
  configDir: string;
  stateDir: string;
  cronDir: string;
};

export const defaultComposeFile = '/etc/ovena/docker-compose.yml';

export function resolvePaths(env: NodeJS.ProcessEnv, composeFileOption?: string): Paths {
  const composeList = composeFileOption ?? env.OVENA_COMPOSE_FILE ?? defaultComposeFile;
  const composeFiles = composeList
    .split(':')
    .filter((entry) => entry !== '')
    .map((entry) => path.resolve(entry));
  return {
    composeFiles: composeFiles.length > 0 ? composeFiles : [defaultComposeFile],
    configDir: env.OVENA_CONFIG_DIR ?? '/etc/ovena',
    stateDir: env.OVENA_STATE_DIR ?? '/var/lib/ovena',
    cronDir: env.OVENA_CRON_DIR ?? '/etc',
  };
}
