import type { Paths } from '../paths.ts';
import { Compose } from './compose.ts';

/** The compose project named by the command line / environment, checked and ready. */
export function openCompose(context: {
  paths: Pick<Paths, 'composeFiles'>;
  env: NodeJS.ProcessEnv;
}): Promise<Compose> {
  return Compose.open({ files: context.paths.composeFiles, env: context.env });
}
