import type { Readable, Writable } from 'node:stream';
import type { Job, JobResult } from './jobs/job.ts';
import type { Paths } from './paths.ts';

/**
 * What a command, a screen or a job runner is handed: where the files are, the streams and how to
 * render. Built once by the command line (`cli/context.ts`); a plain module every layer may read.
 */
export type Io = {
  stdin: Readable & { isTTY?: boolean };
  stdout: Writable & { isTTY?: boolean; columns?: number };
  stderr: Writable & { isTTY?: boolean };
};

/** Renders a job on a terminal (Ink); passed in by the command line so jobs/ never loads the UI. */
export type InteractiveJobRunner = (
  job: Job,
  io: Io,
  controller: AbortController,
) => Promise<JobResult>;

export type CommandContext = {
  command: string | undefined;
  args: string[];
  options: Record<string, string | boolean>;
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
  /** How an interactive context shows a job; set by the command line. */
  runJobInteractive?: InteractiveJobRunner;
};

export function writeLine(stream: Writable, line = ''): void {
  stream.write(`${line}\n`);
}
