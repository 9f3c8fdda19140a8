import type { CommandContext } from '../cli/context.ts';
import { Compose } from './compose.ts';

/** The compose project named by the command line / environment, checked and ready. */
export function openCompose(context: Pick<CommandContext, 'paths' | 'env'>): Promise<Compose> {
  return Compose.open({ files: context.paths.composeFiles, env: context.env });
}
