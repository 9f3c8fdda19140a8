/** Pure construction of docker and compose command lines, so both compose versions are unit-tested. */
export type ComposeFlavor = 'v1' | 'v2';

export type Invocation = { file: string; args: string[] };

export function composeInvocation(
  flavor: ComposeFlavor,
  files: readonly string[],
  args: readonly string[],
): Invocation {
  const fileArgs = files.flatMap((file) => ['-f', file]);
  if (flavor === 'v2') return { file: 'docker', args: ['compose', ...fileArgs, ...args] };
  return { file: 'docker-compose', args: [...fileArgs, ...args] };
}

/** `compose ps -q` lists stopped containers in v1 but only running ones in v2 unless `-a`. */
export function psQuietArgs(flavor: ComposeFlavor, service: string): string[] {
  return flavor === 'v2' ? ['ps', '-a', '-q', service] : ['ps', '-q', service];
}

export function upArgs(services: readonly string[]): string[] {
  return ['up', '-d', '--no-deps', ...services];
}

export function stopArgs(services: readonly string[]): string[] {
  return ['stop', ...services];
}

/** `down` without `-v`, always: `-v` deletes the database volume. */
export function downArgs(): string[] {
  return ['down'];
}

export type ExecOptions = { interactive?: boolean; user?: string; env?: Record<string, string> };

/**
 * `docker exec` on a container found through compose: never a TTY (with one, stderr merges into
 * stdout and binary streams break), arguments as an array, never a shell string.
 */
export function dockerExecArgs(
  containerId: string,
  argv: readonly string[],
  options: ExecOptions = {},
): string[] {
  const args = ['exec'];
  if (options.interactive) args.push('-i');
  if (options.user) args.push('-u', options.user);
  for (const [key, value] of Object.entries(options.env ?? {})) args.push('-e', `${key}=${value}`);
  args.push(containerId, ...argv);
  return args;
}

/**
 * Wraps a command so it runs as the leader of its own process group inside the container and
 * records that group's id: `docker exec` does not stop the command it started when the client
 * dies, so an abort kills the group through this file.
 */
export function groupWrappedArgv(pidFile: string, argv: readonly string[]): string[] {
  return [
    'setsid',
    '-w',
    'sh',
    '-c',
    'echo $$ > "$0"; "$@"; status=$?; rm -f "$0"; exit $status',
    pidFile,
    ...argv,
  ];
}

export function killGroupArgv(pidFile: string): string[] {
  return [
    'sh',
    '-c',
    // dash (the postgres image's /bin/sh) rejects `kill -TERM -- -PGID`; `-s TERM --` works in
    // dash, bash and busybox.
    'if [ -s "$0" ]; then kill -s TERM -- "-$(cat "$0")" 2>/dev/null; rm -f "$0"; fi',
    pidFile,
  ];
}
