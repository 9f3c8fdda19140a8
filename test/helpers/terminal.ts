import { ovenaBin } from './stack.ts';

const quote = (value: string) => `'${value.replace(/'/g, `'\\''`)}'`;

/**
 * The shell command that runs the real binary inside tmux with exactly the given variables: `env -i`
 * so nothing leaks in from the tmux server's environment (another stack's OVENA_* from an
 * earlier session), and no CI variable, which changes how Ink draws. DOCKER_* pass (DOCKER_CONFIG
 * says where the compose plugin is, DOCKER_HOST which daemon).
 */
export function terminalCommand(
  env: NodeJS.ProcessEnv,
  args: readonly string[],
  keepAliveSeconds = 600,
): string {
  const variables = Object.entries(env)
    .filter(
      ([key, value]) =>
        value !== undefined &&
        (key.startsWith('OVENA_') || key.startsWith('COMPOSE_') || key.startsWith('DOCKER_')),
    )
    .map(([key, value]) => `${key}=${quote(value ?? '')}`);
  const base = [
    `PATH=${quote(process.env.PATH ?? '/usr/bin:/bin')}`,
    `HOME=${quote(process.env.HOME ?? '/root')}`,
    'TERM=xterm-256color',
    'LANG=C.UTF-8',
  ];
  const command = [process.execPath, ovenaBin, ...args].map(quote).join(' ');
  return `env -i ${[...base, ...variables].join(' ')} ${command}; echo "EXIT=$?"; sleep ${keepAliveSeconds}`;
}
