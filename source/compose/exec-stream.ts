import { randomBytes } from 'node:crypto';
import type { Readable, Writable } from 'node:stream';
import { execa } from 'execa';
import { OvenaError } from '../errors.ts';
import { redactSecrets } from '../secrets/redact.ts';
import type { Compose } from './compose.ts';
import { dockerExecArgs, groupWrappedArgv, killGroupArgv } from './invocation.ts';

export type ExecStreamOptions = {
  signal?: AbortSignal;
  stdin?: Readable;
  /** Each line the command writes on stdout (nothing is buffered). */
  onStdoutLine?: (line: string) => void;
  /** Raw stdout (bytes, with backpressure), e.g. a tar stream; not ended here: the caller ends it. */
  stdout?: Writable;
  onStderrLine?: (line: string) => void;
  env?: Record<string, string>;
};

/** How long the docker client may live after the group kill before it is signalled itself. */
const clientGraceMs = 3000;

/** A long command in a compose service's running container (see `execStreamInContainer`). */
export async function execStream(
  compose: Compose,
  service: string,
  argv: readonly string[],
  options: ExecStreamOptions = {},
): Promise<void> {
  const containerId = await compose.runningContainer(service, options.signal);
  await execStreamInContainer(containerId, argv, `the ${service} container`, compose.env, options);
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
  if (options.stdout && subprocess.stdout) subprocess.stdout.pipe(options.stdout, { end: false });
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
  const onAbort = () => {
    void execa('docker', dockerExecArgs(containerId, killGroupArgv(pidFile)), {
      env: hostEnv,
      reject: false,
    }).then(() => {
      setTimeout(() => subprocess.kill('SIGTERM'), clientGraceMs).unref();
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
        `${argv[0] ?? 'command'} failed in ${where}: ${redactSecrets(last.trim())}`,
      );
    }
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
  }
}
