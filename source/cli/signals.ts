import { signalExitCode } from '../errors.ts';

/**
 * The one place ovena handles signals. main() installs the handlers once for the whole run and
 * hands `signal` down through the command context: SIGINT (Ctrl-C, kill -INT), SIGTERM and SIGHUP
 * (the SSH connection dropped) abort it, with the signal's name as the reason. Whatever runs
 * (a job's step, a screen, a prompt, a webhook) stops, cleans up, and the command returns the
 * documented exit code (130, 143, 129).
 */
export const stopSignals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
export type StopSignal = (typeof stopSignals)[number];

export { signalExitCode };

/**
 * Commands that watch the signal and clean up before returning. Any other command (a read-only
 * one: status, list, check, help, schedule) has nothing to clean up and exits at once.
 */
const cleansUp = new Set([
  'backup',
  'restore',
  'drill',
  'start',
  'stop',
  'cifs',
  'home',
  'images',
  undefined,
]);

export type Lifecycle = {
  signal: AbortSignal;
  dispose(): void;
};

/** Installs the handlers; `dispose` removes them when the command has returned. */
export function installSignalHandlers(
  command: string | undefined,
  exit: (code: number) => void = (code) => process.exit(code),
): Lifecycle {
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (!controller.signal.aborted) controller.abort(signal);
    if (!cleansUp.has(command)) exit(signalExitCode(signal));
  };
  for (const name of stopSignals) process.on(name, onSignal);
  return {
    signal: controller.signal,
    dispose: () => {
      for (const name of stopSignals) process.off(name, onSignal);
    },
  };
}
