import { randomBytes } from 'node:crypto';
import type { Readable, Writable } from 'node:stream';
import { execa } from 'execa';
import { OvenaError } from '../errors.ts';
import { redactSecrets } from '../secrets/redact.ts';
import { dockerExecArgs, groupWrappedArgv, killGroupArgv } from './invocation.ts';

export type ExecStreamOptions = {
  signal?: AbortSignal;
  stdin?: Readable;
  stdout?: Writable;
  onStderrLine?: (line: string) => void;
  env?: Record<string, string>;
};

/**
 * Runs a long command in a container (found by id: a compose service's or a throw-away one)
 * without buffering its output. On abort the command's whole process group inside the container
 * is killed with the careful group kill (the docker client alone would leave it running).
 * `where` names the container in errors, e.g. "the db container".
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
      ...(options.env ? { env: options.env } : {}),
    }),
    {
      env: hostEnv,
      buffer: false,
      stdin: options.stdin ? 'pipe' : 'ignore',
      stdout: options.stdout ? 'pipe' : 'ignore',
      stderr: 'pipe',
      reject: false,
    },
  );
  if (options.stdin && subprocess.stdin) options.stdin.pipe(subprocess.stdin);
  if (options.stdout && subprocess.stdout) subprocess.stdout.pipe(options.stdout, { end: false });
  const stderrLines: string[] = [];
  let pending = '';
  subprocess.stderr?.setEncoding('utf8');
  subprocess.stderr?.on('data', (chunk: string) => {
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      stderrLines.push(line);
      if (stderrLines.length > 50) stderrLines.shift();
      options.onStderrLine?.(line);
    }
  });
  const onAbort = () => {
    void execa('docker', dockerExecArgs(containerId, killGroupArgv(pidFile)), {
      env: hostEnv,
      reject: false,
    }).then(() => {
      setTimeout(() => subprocess.kill('SIGTERM'), 3000).unref();
    });
  };
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const result = await subprocess;
    if (pending !== '') {
      stderrLines.push(pending);
      options.onStderrLine?.(pending);
    }
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
