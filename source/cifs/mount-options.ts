/**
 * The `o` string of a CIFS volume: comma-separated mount options, where `,,` is the kernel's
 * escape for a comma inside a value (Linux >= 5.11, honoured for the password). Values here are
 * the file's pre-interpolation text, so a literal `$` is `$$` in the file.
 */
export type MountOption = {
  key: string;
  /** Present for `key=value` options, absent for flags such as `noperm`. */
  value?: string;
  /** The option exactly as written in the file (kept byte for byte when the option is not edited). */
  raw: string;
};

/** Splits on single commas; `,,` stays inside the current option as an escaped comma. */
export function splitOptionText(text: string): string[] {
  const parts: string[] = [];
  let current = '';
  for (let index = 0; index < text.length; index++) {
    const char = text[index];
    if (char === ',') {
      if (text[index + 1] === ',') {
        current += ',,';
        index++;
        continue;
      }
      parts.push(current);
      current = '';
      continue;
    }
    current += char;
  }
  parts.push(current);
  return parts;
}

export function parseMountOptions(text: string): MountOption[] {
  if (text === '') return [];
  return splitOptionText(text).map((raw) => {
    const equals = raw.indexOf('=');
    if (equals === -1) return { key: raw, raw };
    return { key: raw.slice(0, equals), value: decodeValue(raw.slice(equals + 1)), raw };
  });
}

export function formatMountOptions(options: readonly MountOption[]): string {
  return options.map((option) => option.raw).join(',');
}

/** File text of a value → the value the kernel receives (`,,` → `,`, `$$` → `$`). */
export function decodeValue(raw: string): string {
  return unescapeDollars(raw.replaceAll(',,', ','));
}

/** A value → its file text inside the `o` string. */
export function encodeValue(value: string): string {
  return escapeDollars(value).replaceAll(',', ',,');
}

/** Compose interpolation: a literal `$` is written `$$`. */
export function escapeDollars(value: string): string {
  return value.replaceAll('$', '$$$$');
}

export function unescapeDollars(raw: string): string {
  return raw.replaceAll('$$', '$');
}

export function makeOption(key: string, value: string): MountOption {
  return { key, value, raw: `${key}=${encodeValue(value)}` };
}

/** The first option among `keys` (aliases such as `user`/`username`), case-insensitive. */
export function findOption(
  options: readonly MountOption[],
  keys: readonly string[],
): MountOption | undefined {
  return options.find((option) => keys.includes(option.key.toLowerCase()));
}

/**
 * Sets (or, with `undefined`, removes) an option, keeping its position and spelling of the key;
 * a new option goes after `after` (or at the end).
 */
export function withOption(
  options: readonly MountOption[],
  keys: readonly string[],
  value: string | undefined,
  after: readonly string[] = [],
): MountOption[] {
  const index = options.findIndex((option) => keys.includes(option.key.toLowerCase()));
  const result = [...options];
  if (index !== -1) {
    const existing = result[index] as MountOption;
    if (value === undefined) result.splice(index, 1);
    else if (existing.value !== value) result[index] = makeOption(existing.key, value);
    return result;
  }
  if (value === undefined) return result;
  const key = keys[0] ?? '';
  let position = result.length;
  for (let i = result.length - 1; i >= 0; i--) {
    if (after.includes(result[i]?.key.toLowerCase() ?? '')) {
      position = i + 1;
      break;
    }
  }
  result.splice(position, 0, makeOption(key, value));
  return result;
}
