import { readFileSync } from 'node:fs';
import { ExitCode, exitCodeOf, messageOf, UsageError } from '../errors.ts';
import { assertSafeStateDir, composeFileWarnings } from '../files/safe-paths.ts';
import { redactSecrets } from '../secrets/redact.ts';
import { findCommand } from './commands.ts';
import { createContext, type Io, writeLine } from './context.ts';
import { parseArgs } from './parse-args.ts';
import { installSignalHandlers } from './signals.ts';
import { commandHelpText, shortUsage, usageText } from './usage.ts';

function packageVersion(): string {
  const manifest = JSON.parse(
    readFileSync(new URL('../../package.json', import.meta.url), 'utf8'),
  ) as {
    version: string;
  };
  return manifest.version;
}

export async function main(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
  io: Io = process,
): Promise<number> {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs(argv);
  } catch (error) {
    if (error instanceof UsageError) {
      writeLine(io.stderr, `ovena: ${error.message}`);
      writeLine(io.stderr, shortUsage());
      return ExitCode.usage;
    }
    throw error;
  }

  if (parsed.options.version === true) {
    writeLine(io.stdout, packageVersion());
    return ExitCode.ok;
  }
  if (parsed.options.help === true) {
    const spec = parsed.command ? findCommand(parsed.command) : undefined;
    writeLine(io.stdout, spec ? commandHelpText(spec) : usageText());
    return ExitCode.ok;
  }

  // The one lifecycle root: one AbortController for SIGINT, SIGTERM and SIGHUP, for the whole run.
  const lifecycle = installSignalHandlers(parsed.command);
  try {
    return await runCommand(parsed, env, io, lifecycle.signal);
  } finally {
    lifecycle.dispose();
  }
}

async function runCommand(
  parsed: ReturnType<typeof parseArgs>,
  env: NodeJS.ProcessEnv,
  io: Io,
  signal: AbortSignal,
): Promise<number> {
  const context = createContext(parsed, env, io, signal);
  // No command: `home` (the home screen on a terminal; elsewhere the status, then the usage).
  // parseArgs refused any name that is not in the registry.
  const name = parsed.command ?? 'home';
  try {
    const spec = findCommand(name);
    if (!spec) throw new UsageError(`unknown command "${name}"`);
    if (name !== 'help') {
      // Hostile surroundings first: an unsafe state directory refuses, an open compose file warns.
      await assertSafeStateDir(context.paths.stateDir);
      for (const line of await composeFileWarnings(context.paths.composeFiles))
        writeLine(io.stderr, line);
    }
    const module = await spec.load();
    return await module.run(context);
  } catch (error) {
    const message = redactSecrets(messageOf(error));
    if (context.json) {
      writeLine(io.stdout, JSON.stringify({ error: message, exitCode: exitCodeOf(error) }));
    } else {
      writeLine(io.stderr, `ovena: ${message}`);
    }
    if (error instanceof UsageError) writeLine(io.stderr, shortUsage());
    return exitCodeOf(error);
  }
}
