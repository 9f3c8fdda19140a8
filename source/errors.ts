/**
 * Exit codes are part of ovena's contract with cron, scripts and monitoring:
 * each one is documented in the README. sysexits(3) numbers where one fits.
 */
export const ExitCode = {
  ok: 0,
  failed: 1,
  /** `check`: critical. */
  critical: 2,
  /** `status`: a service is not running (LSB init-script convention). */
  serviceDown: 3,
  usage: 64,
  dataError: 65,
  noInput: 66,
  serviceMissing: 67,
  unavailable: 69,
  dockerMissing: 72,
  busy: 75,
  noPermission: 77,
  config: 78,
  /** SIGHUP: the SSH connection dropped. */
  hangup: 129,
  interrupted: 130,
  terminated: 143,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** An error meant for the operator: one sentence saying what is wrong and what to do. */
export class OvenaError extends Error {
  readonly exitCode: number;

  constructor(message: string, exitCode: number = ExitCode.failed, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'OvenaError';
    this.exitCode = exitCode;
  }
}

export class UsageError extends OvenaError {
  constructor(message: string) {
    super(message, ExitCode.usage);
    this.name = 'UsageError';
  }
}

/** The exit code for a run aborted by a signal (the abort reason), as a shell reports it: 128 + n. */
export function signalExitCode(reason: unknown): number {
  if (reason === 'SIGTERM') return ExitCode.terminated;
  if (reason === 'SIGHUP') return ExitCode.hangup;
  return ExitCode.interrupted;
}

/**
 * What a check before any change throws: the error itself, or, when the run was aborted by a
 * signal meanwhile, one sentence saying that nothing was changed (exit 128 + n).
 */
export function checksError(error: unknown, signal: AbortSignal): unknown {
  if (!signal.aborted) return error;
  return new OvenaError(
    `interrupted (${String(signal.reason)}) during the checks: nothing was changed`,
    signalExitCode(signal.reason),
  );
}

export function exitCodeOf(error: unknown): number {
  return error instanceof OvenaError ? error.exitCode : ExitCode.failed;
}

export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
