import type { Readable, Writable } from 'node:stream';
import { type Paths, resolvePaths } from '../paths.ts';
import { booleanOption, type ParsedArgs, stringOption } from './parse-args.ts';

export type Io = {
  stdin: Readable & { isTTY?: boolean };
  stdout: Writable & { isTTY?: boolean; columns?: number };
  stderr: Writable & { isTTY?: boolean };
};

export type CommandContext = {
  command: string | undefined;
  args: string[];
  options: ParsedArgs['options'];
  env: NodeJS.ProcessEnv;
  paths: Paths;
  io: Io;
  /** Decided once at start: Ink and prompts only when both stdin and stdout are terminals. */
  interactive: boolean;
  color: boolean;
  json: boolean;
  yes: boolean;
  /** Aborted by SIGINT, SIGTERM or SIGHUP (the reason names the signal): see cli/signals.ts. */
  signal: AbortSignal;
};

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
  };
}

export function writeLine(stream: Writable, line = ''): void {
  stream.write(`${line}\n`);
}
