/**
 * The one place that says what a password looks like in what ovena reads and prints.
 *
 * - A mount option (CIFS `o:` string, `key=value,key=value`) bears a password when its key
 *   contains "pass" (password=, pass=, password2= for the kernel's rotation, ...). Its value runs
 *   to the next single comma: `,,` is the kernel's escape for a comma inside the value.
 * - An environment variable bears one when its name contains PASSWORD or SECRET.
 * - In free text (an error message quoting either), the value stops at a space or a quote too,
 *   since the rest of the message follows; URLs may carry one as `scheme://user:PASSWORD@`.
 */

/** Whether a mount option's key names a password. */
export function isPasswordKey(key: string): boolean {
  return /pass/i.test(key);
}

/** Whether an environment variable's name names a password or a secret. */
export function isSecretVariable(name: string): boolean {
  return /PASSWORD|SECRET/i.test(name);
}

/** In an option string: lead (start or comma), `key=`, the value as written (`,,` escapes kept). */
const optionPattern = () => /(^|,)([^,=]*pass[^,=]*=)((?:[^,]|,,)*)/gi;

/** The password values of an option string, as written (`,,` kept). */
export function passwordOptionValues(optionText: string): string[] {
  return [...optionText.matchAll(optionPattern())].map((match) => match[3] ?? '');
}

/** The option string with every password value replaced by `mask`. */
export function maskPasswordOptions(optionText: string, mask: string): string {
  return optionText.replace(optionPattern(), (_match, lead: string, key: string) => {
    return `${lead}${key}${mask}`;
  });
}

/** Free-text patterns: group 1 is kept, what follows it (the secret) is masked. */
export const passwordTextPatterns: readonly RegExp[] = [
  // Mount options quoted in a message: password=..., password2=... (`,,` is an escaped comma).
  /(\b[a-z0-9_]*pass[a-z0-9_]*=)((?:[^,\s"']|,,)+)/gi,
  // KEY: value / KEY=value where the key names a password or secret.
  /(\b[A-Z0-9_]*(?:PASSWORD|SECRET)[A-Z0-9_]*\b["']?\s*[:=]\s*["']?)([^\s"',]+)/gi,
  // URLs with credentials.
  /(\b[a-z][a-z0-9+.-]*:\/\/[^/\s:@]+:)([^@\s/]+)(?=@)/gi,
];

/**
 * A password as programs may quote it: plain, as written in a compose file (`$` as `$$`), in a
 * mount option (`,` as `,,`) and inside a JSON/YAML double-quoted string. Longest first, so a
 * secret is never half-replaced by a shorter one it contains.
 */
export function secretSpellings(passwords: Iterable<string | undefined>): string[] {
  const result = new Set<string>();
  for (const password of passwords) {
    if (!password) continue;
    result.add(password);
    const escaped = password.replaceAll('$', '$$$$');
    result.add(escaped);
    result.add(escaped.replaceAll(',', ',,'));
    result.add(JSON.stringify(escaped.replaceAll(',', ',,')).slice(1, -1));
  }
  return [...result].sort((a, b) => b.length - a.length);
}
