import { passwordTextPatterns } from './password-options.ts';

/** What replaces a secret in anything ovena prints. */
export const mask = '••••';

/**
 * Secret values this process has read (the compose file's passwords): every redaction replaces
 * them exactly, whatever characters they hold — patterns stop at quotes and spaces.
 */
const registered = new Set<string>();

export function registerSecrets(values: Iterable<string | undefined>): void {
  for (const value of values) if (value && value.length >= 3) registered.add(value);
}

/**
 * Best-effort scrub of text that may quote a compose file (validator messages, docker errors).
 * Known secret values are replaced exactly (longest first); patterns catch the ones ovena cannot
 * know.
 */
export function redactSecrets(text: string, knownSecrets: Iterable<string> = []): string {
  let result = text;
  const secrets = [...new Set([...registered, ...knownSecrets])].sort(
    (a, b) => b.length - a.length,
  );
  for (const secret of secrets) {
    if (secret.length >= 3) result = result.split(secret).join(mask);
  }
  for (const pattern of passwordTextPatterns) {
    result = result.replace(pattern, (_match, prefix: string) => `${prefix}${mask}`);
  }
  return result;
}
