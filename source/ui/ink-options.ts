import type { RenderOptions } from 'ink';
import type { Io } from '../context.ts';

/**
 * How every ovena screen is rendered: on the command's own streams, and Ctrl-C is an intent the
 * screen handles (abort the running step, let it clean up), never an immediate exit.
 */
export function inkOptions(io: Io): RenderOptions {
  return {
    stdout: io.stdout as NodeJS.WriteStream,
    stdin: io.stdin as NodeJS.ReadStream,
    stderr: io.stderr as NodeJS.WriteStream,
    exitOnCtrlC: false,
    patchConsole: false,
  };
}
