import { findCommand } from '../cli/commands.ts';
import type { CommandContext } from '../cli/context.ts';
import { writeLine } from '../cli/context.ts';
import { commandHelpText, usageText } from '../cli/usage.ts';
import { UsageError } from '../errors.ts';

export async function run(context: CommandContext): Promise<number> {
  const [name] = context.args;
  if (name === undefined) {
    writeLine(context.io.stdout, usageText());
    return 0;
  }
  const spec = findCommand(name);
  if (!spec) throw new UsageError(`unknown command "${name}"`);
  writeLine(context.io.stdout, commandHelpText(spec));
  return 0;
}
