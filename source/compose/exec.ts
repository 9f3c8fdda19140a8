import { ExecaError, execa } from 'execa';
import type { Compose, RunOptions } from './compose.ts';
import { dockerExecArgs, type ExecOptions } from './invocation.ts';
import { dockerRefusedExec, firstLine } from './tool-errors.ts';

export type ExecCaptureOptions = RunOptions & ExecOptions & { oneOffWhenDown?: boolean };

/**
 * Runs a short command in a service's container and returns its output. With `oneOffWhenDown`,
 * a service that is not running (stopped, or crash-looping in a disaster) gets a one-off
 * container of its own (`compose run --rm --no-deps`, entrypoint replaced) with the same volumes,
 * so the share can still be read.
 */
export async function execCapture(
  compose: Compose,
  service: string,
  argv: readonly string[],
  options: ExecCaptureOptions = {},
): Promise<string> {
  // Seen running since the last compose command: straight there (a refusal looks again below).
  if (options.oneOffWhenDown && !compose.seenRunningContainer(service)) {
    const state = await compose.serviceState(service, options.signal);
    if (state.state !== 'running') return runOneOff(compose, service, argv, options.signal);
  }
  const seen = compose.seenRunningContainer(service);
  const containerId = seen ?? (await compose.runningContainer(service, options.signal));
  try {
    const result = await execa(
      'docker',
      dockerExecArgs(containerId, argv, { ...options, interactive: options.input !== undefined }),
      {
        env: compose.env,
        cancelSignal: options.signal,
        forceKillAfterDelay: 5000,
        ...(options.input === undefined ? {} : { input: options.input }),
      },
    );
    return result.stdout;
  } catch (error) {
    if (
      seen &&
      error instanceof ExecaError &&
      !error.isCanceled &&
      dockerRefusedExec(String(error.stderr ?? ''))
    ) {
      // Stopped or replaced since it was seen running; the command never ran: look again (a
      // clear sentence when it is not running) and run it there.
      compose.forgetContainer(service);
      return execCapture(compose, service, argv, options);
    }
    // execa's message quotes the whole command line (scripts, SQL): the operator gets one line.
    // The error keeps exitCode and stderr for callers that tell failures apart.
    if (error instanceof ExecaError && !error.isCanceled) {
      const stderr = String(error.stderr ?? '').trim();
      const detail = stderr ? firstLine(stderr) : `exit code ${error.exitCode ?? '?'}`;
      error.message = `${argv[0] ?? 'command'} failed in the ${service} container: ${detail}`;
    }
    throw error;
  }
}

async function runOneOff(
  compose: Compose,
  service: string,
  argv: readonly string[],
  signal?: AbortSignal,
): Promise<string> {
  const [entrypoint, ...rest] = argv;
  if (!entrypoint) throw new Error('runOneOff needs a command');
  try {
    return (
      await compose.run(
        ['run', '--rm', '--no-deps', '-T', '--entrypoint', entrypoint, service, ...rest],
        {
          ...(signal ? { signal } : {}),
        },
      )
    ).stdout;
  } catch (error) {
    if (error instanceof ExecaError && !error.isCanceled) {
      const stderr = String(error.stderr ?? '').trim();
      const detail = stderr
        ? firstLine(
            stderr
              .split('\n')
              .filter((line) => !/^(Creating|Starting) /.test(line))
              .join('\n'),
          )
        : `exit code ${error.exitCode ?? '?'}`;
      error.message = `${entrypoint} failed in a one-off ${service} container: ${detail}`;
    }
    throw error;
  }
}
