/** Pure construction of docker and compose command lines, so both compose versions are unit-tested. */
export type ComposeFlavor = 'v1' | 'v2';

export type Invocation = { file: string; args: string[] };

/** `binary`: a standalone compose (v1, or v2 run as `docker-compose`) in place of the default. */
export function composeInvocation(
  flavor: ComposeFlavor,
  files: readonly string[],
  args: readonly string[],
  binary?: string,
): Invocation {
  const fileArgs = files.flatMap((file) => ['-f', file]);
  if (binary) return { file: binary, args: [...fileArgs, ...args] };
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

/**
 * A shell function that stops every process of a process group, leaves first, and never signals a
 * process whose parent is PID 1.
 *
 * Why not `kill -- -PGID`: in the postgres image PostgreSQL itself is PID 1, so a process orphaned
 * while the group dies is reparented to the postmaster, and the postmaster treats any child that
 * dies from a signal as a crashed backend: it kills every session and restarts in recovery mode
 * (seen here: Ctrl-C of a backup took the database down). Killing only leaves lets every parent
 * reap its own children; orphans of PID 1 are left to end by themselves (exit 0 is harmless).
 * Plain sh over /proc: the official postgres image has no ps.
 */
export const killGroupFunction = `
ovena_kill_group() {
  group="$1"; rounds=0
  while [ "$rounds" -lt 100 ]; do
    members=""; parents=" "
    for dir in /proc/[0-9]*; do
      { read -r line < "$dir/stat"; } 2>/dev/null || continue
      rest=\${line##*) }
      set -- $rest
      [ "$3" = "$group" ] || continue
      members="$members \${dir#/proc/}"
      parents="$parents$2 "
    done
    [ -n "$members" ] || return 0
    for pid in $members; do
      case "$parents" in *" $pid "*) continue ;; esac
      # Read the parent again right before the signal: it may have exited since the scan.
      { read -r line < "/proc/$pid/stat"; } 2>/dev/null || continue
      name=\${line#*(}; name=\${name%%)*}; rest=\${line##*) }
      set -- $rest
      [ "$2" = 1 ] && continue
      # A sleep ends by itself within a second; signalling it only widens the race above.
      [ "$name" = sleep ] && [ "$rounds" -lt 30 ] && continue
      kill -s TERM "$pid" 2>/dev/null
    done
    rounds=$((rounds + 1))
    sleep 0.1
  done
  return 1
}
`;

export function killGroupArgv(pidFile: string): string[] {
  return [
    'sh',
    '-c',
    `${killGroupFunction}
if [ -s "$0" ]; then group=$(cat "$0"); case "$group" in ''|*[!0-9]*) ;; *) ovena_kill_group "$group" ;; esac; rm -f "$0"; fi`,
    pidFile,
  ];
}
