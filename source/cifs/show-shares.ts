import { maskPasswordOptions } from '../secrets/password-options.ts';
import { mask } from '../secrets/redact.ts';
import type { ShareSummary } from './shares.ts';

/** Plain lines for `ovena cifs show`; the password is only ever "set" (masked) or "unset". */
export function shareLines(shares: readonly ShareSummary[]): string[] {
  if (shares.length === 0) return ['No CIFS volume (driver_opts type: cifs) in the compose files.'];
  const lines: string[] = [];
  for (const share of shares) {
    lines.push(
      `${share.volume}  ${share.configured ? 'configured' : 'NOT CONFIGURED (template placeholders)'}  (${share.file})`,
    );
    const rows: Array<[string, string]> = [
      ['server', share.server || '-'],
      ['share', share.share || '-'],
      ['username', share.username ?? '-'],
      ['password', share.password === 'set' ? mask : '(unset)'],
      ['domain', share.domain ?? '-'],
      ['vers', share.vers ?? '-'],
      ['options', share.otherOptions.join(',') || '-'],
    ];
    for (const [key, value] of rows) lines.push(`  ${key.padEnd(9)} ${value}`);
    lines.push('');
  }
  if (shares.some((share) => !share.configured))
    lines.push('Fill them in with "ovena cifs" on a terminal, or "ovena cifs set VOLUME ...".');
  return lines;
}

/** The `o` string with every password value replaced by the mask (for previews). */
export function maskOptionText(text: string): string {
  return maskPasswordOptions(text, mask);
}
