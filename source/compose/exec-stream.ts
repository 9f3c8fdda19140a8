import { randomBytes } from 'node:crypto';
import type { Readable, Writable } from 'node:stream';
import { execa } from 'execa';
import { OvenaError } from '../errors.ts';
import { redactSecrets } from '../secrets/redact.ts';
import type { Compose } from './compose.ts';
import { dockerExecArgs, groupWrappedArgv, killGroupArgv } from './invocation.ts';
import { dockerRefusedExec } from './tool-errors.ts';

export type ExecStreamOptions = {
  signal?: AbortSignal;
  stdin?: Readable;
  /** Each line the command writes on stdout (nothing is buffered). */
  onStdoutLine?: (line: string) => void;
  /** Raw stdout (bytes, with backpressure), e.g. a tar stream; not ended here: the caller ends it. */
  stdout?: Writable;
  onStderrLine?: (line: string) => void;
  env?: Record<string, string>;
  /** What the command is, in its failure's sentence (default: the program's name). */
  what?: string;
};

/** How long the docker client may live after the group kill before it is signalled itself. */
const clientGraceMs = 3000;

/** How long the group kill's own docker exec may take before the client is signalled anyway. */
const killTimeoutMs = 30_000;

/** A long command in a compose service's running container (see `execStreamInContainer`). */
export async function execStream(
  compose: Compose,
  service: string,
  argv: readonly string[],
  options: ExecStreamOptions = {},
): Promise<void> {
  const seen = compose.seenRunningContainer(service);
  const containerId = seen ?? (await compose.runningContainer(service, options.signal));
  try {
    await execStreamInContainer(
      containerId,
      argv,
      `the ${service} container`,
      compose.env,
      options,
    );
  } catch (error) {
    if (
      !seen ||
      options.signal?.aborted ||
      !(error instanceof OvenaError) ||
      !dockerRefusedExec(error.message)
    ) {
      throw error;
    }
    // Stopped or replaced since it was seen running; the command never ran. Look again: a clear
    // sentence when it is not running; run it again there unless its input was already taken.
    compose.forgetContainer(service);
    if (options.stdin) {
      await compose.runningContainer(service, options.signal);
      throw error;
    }
    await execStream(compose, service, argv, options);
  }
}

/**
 * Runs a long command in a container found by id (a compose service's, or the drill's throw-away
 * PostgreSQL) without buffering its output. On abort the command's whole process group inside the
 * container is killed (the docker client alone would leave it running), leaves first and never a
 * child of PID 1 (see `killGroupFunction`); the docker client is signalled only after that kill
 * ran, and given time to see its command end. `where` names the container in errors.
 */
export async function execStreamInContainer(
  containerId: string,
  argv: readonly string[],
  where: string,
  hostEnv: NodeJS.ProcessEnv,
  options: ExecStreamOptions = {},
): Promise<void> {
  // Aborted before it started (e.g. the other side of a check failed first): never started at all.
  options.signal?.throwIfAborted();
  const pidFile = `/tmp/ovena-exec-${randomBytes(6).toString('hex')}.pid`;
  const subprocess = execa(
    'docker',
    dockerExecArgs(containerId, groupWrappedArgv(pidFile, argv), {
      interactive: options.stdin !== undefined,
      env: options.env,
    }),
    {
      env: hostEnv,
      buffer: false,
      stdin: options.stdin ? 'pipe' : 'ignore',
      stdout: options.onStdoutLine || options.stdout ? 'pipe' : 'ignore',
      stderr: 'pipe',
      reject: false,
    },
  );
  if (options.stdin && subprocess.stdin) options.stdin.pipe(subprocess.stdin);
  const { stdout } = options;
  // Output nobody reads any more is read and dropped: a docker client blocked on a full pipe keeps
  // the daemon from finishing its exec, and dockerd then holds back every later exec's exit in the
  // same container (moby#53614), the group kill's own exec included, so the abort would hang.
  const drain = () => {
    if (!subprocess.stdout) return;
    if (stdout) subprocess.stdout.unpipe(stdout);
    subprocess.stdout.resume();
  };
  if (stdout && subprocess.stdout) {
    subprocess.stdout.pipe(stdout, { end: false });
    stdout.once('close', drain);
  }
  const stderrLines: string[] = [];
  const readers = [
    (async () => {
      for await (const line of subprocess.iterable({ from: 'stderr' })) {
        stderrLines.push(line);
        if (stderrLines.length > 50) stderrLines.shift();
        options.onStderrLine?.(line);
      }
    })(),
  ];
  const { onStdoutLine } = options;
  if (onStdoutLine) {
    readers.push(
      (async () => {
        for await (const line of subprocess.iterable({ from: 'stdout' })) onStdoutLine(line);
      })(),
    );
  }
  let killing: Promise<unknown> | undefined;
  let graceTimer: NodeJS.Timeout | undefined;
  const onAbort = () => {
    // Stdout is dropped from here on (it is not wanted), so the command's end reaches the client.
    if (stdout) drain();
    killing = execa('docker', dockerExecArgs(containerId, killGroupArgv(pidFile)), {
      env: hostEnv,
      reject: false,
      timeout: killTimeoutMs,
    }).then(() => {
      graceTimer = setTimeout(() => subprocess.kill('SIGTERM'), clientGraceMs);
    });
  };
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const [result] = await Promise.all([subprocess, ...readers]);
    options.signal?.throwIfAborted();
    if (result.exitCode !== 0) {
      const last =
        stderrLines.filter((line) => line.trim() !== '').at(-1) ?? `exit code ${result.exitCode}`;
      throw new OvenaError(
        `${options.what ?? argv[0] ?? 'command'} failed in ${where}: ${redactSecrets(last.trim())}`,
      );
    }
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    stdout?.off('close', drain);
    // The group kill's own docker exec ends before this returns: no client is left behind.
    await killing;
    clearTimeout(graceTimer);
  }
}
