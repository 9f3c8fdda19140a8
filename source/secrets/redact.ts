/** What replaces a secret in anything ovena prints. */
export const mask = '••••';

const patterns: RegExp[] = [
  // CIFS mount options: password=...,  (a `,,` inside the value is an escaped comma)
  /(\b(?:password|pass)=)((?:[^,\s"']|,,)+)/gi,
  // KEY: value / KEY=value where the key names a password or secret
  /(\b[A-Z0-9_]*(?:PASSWORD|SECRET)[A-Z0-9_]*\b["']?\s*[:=]\s*["']?)([^\s"',]+)/gi,
  // URLs with credentials
  /(\b[a-z][a-z0-9+.-]*:\/\/[^/\s:@]+:)([^@\s/]+)(?=@)/gi,
];

/**
 * Best-effort scrub of text that may quote a compose file (validator messages, docker errors).
 * Known secret values are replaced exactly; patterns catch the ones ovena cannot know.
 */
export function redactSecrets(text: string, knownSecrets: Iterable<string> = []): string {
  let result = text;
  for (const secret of knownSecrets) {
    if (secret.length >= 3) result = result.split(secret).join(mask);
  }
  for (const pattern of patterns) {
    result = result.replace(pattern, (_match, prefix: string) => `${prefix}${mask}`);
  }
  return result;
}
