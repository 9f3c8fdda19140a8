import type { CommandContext } from '../../cli/context.ts';
import type { RestoreOptions } from '../../commands/restore.ts';

export async function runRestoreInteractive(
  _context: CommandContext,
  _options: RestoreOptions,
): Promise<number> {
  throw new Error('not yet');
}
