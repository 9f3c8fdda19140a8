import type { CommandContext, Io } from '../context.ts';
import { resolvePaths } from '../paths.ts';
import { booleanOption, type ParsedArgs, stringOption } from './parse-args.ts';

export type { CommandContext, Io } from '../context.ts';
export { writeLine } from '../context.ts';

export function createContext(
  parsed: ParsedArgs,
  env: NodeJS.ProcessEnv,
  io: Io,
  signal: AbortSignal = new AbortController().signal,
): CommandContext {
  const json = booleanOption(parsed.options, 'json');
  const interactive = Boolean(io.stdin.isTTY && io.stdout.isTTY) && !json;
  const color =
    interactive && !booleanOption(parsed.options, 'no-color') && (env.NO_COLOR ?? '') === '';
  return {
    command: parsed.command,
    args: parsed.args,
    options: parsed.options,
    env,
    paths: resolvePaths(env, stringOption(parsed.options, 'compose-file')),
    io,
    interactive,
    color,
    json,
    yes: booleanOption(parsed.options, 'yes'),
    signal,
    // Ink and React load only when a job is shown on a terminal.
    runJobInteractive: async (job, jobIo, controller) => {
      const { runJobInteractive } = await import('../ui/run-job-interactive.tsx');
      return runJobInteractive(job, jobIo, controller);
    },
  };
}
