import { ExecaError } from 'execa';
import { redactSecrets } from '../secrets/redact.ts';
import { isProgressLine, withoutErrorPrefix } from './error-lines.ts';

/** A failed docker or compose run's own error text (stderr, else execa's short message). */
export function stderrOf(error: unknown): string {
  if (error instanceof ExecaError) {
    const stderr = typeof error.stderr === 'string' ? error.stderr : '';
    return (stderr || error.shortMessage).trim();
  }
  return error instanceof Error ? error.message : String(error);
}

/** The first meaningful line of a tool's error output, secrets removed. */
export function firstLine(text: string): string {
  // compose v1 quotes a changed volume's old and new mount options, passwords and all: never
  // pass that on, not even redacted (a password may hold the characters redaction stops at).
  const changed = /Configuration for volume "?([^\s"]+)"? specifies "?([^\s"]+)"? /.exec(text);
  if (changed) {
    return `the ${changed[2]} options of volume "${changed[1]}" changed in the compose file but docker still uses the old ones: run "ovena cifs apply ${changed[1]}" to recreate the volume`;
  }
  const lines = text
    .split('\n')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '' && !/^(WARN|WARNING)/i.test(entry) && !isProgressLine(entry))
    .map(withoutErrorPrefix);
  // "X is invalid because:" is followed by the reason on the next line: keep both, on one line.
  let line = lines[0] ?? text.trim();
  for (let index = 1; index < lines.length && line.endsWith(':'); index++)
    line = `${line} ${lines[index]}`;
  return redactSecrets(line);
}

export function isMissingBinary(error: unknown): boolean {
  return error instanceof ExecaError && error.code === 'ENOENT';
}

export function isCanceled(error: unknown): boolean {
  return error instanceof ExecaError && error.isCanceled;
}

/**
 * Docker's own refusal of an exec (the container stopped, gone, paused or restarting): the
 * command never ran in it.
 */
export function dockerRefusedExec(text: string): boolean {
  return /Error response from daemon: (?:[Cc]ontainer \S+ is (?:not running|paused|restarting)|No such container)/.test(
    text,
  );
}
