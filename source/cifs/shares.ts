import { readFile } from 'node:fs/promises';
import { ExitCode, OvenaError, UsageError } from '../errors.ts';
import { isPasswordKey } from '../secrets/password-options.ts';
import { mask } from '../secrets/redact.ts';
import {
  driverOptNode,
  lookup,
  type ParsedComposeFile,
  parseComposeText,
  type ScalarEdit,
  scalarText,
  spliceScalars,
  volumeEntries,
} from './compose-file.ts';
import {
  escapeDollars,
  findOption,
  formatMountOptions,
  type MountOption,
  parseMountOptions,
  unescapeDollars,
  withOption,
} from './mount-options.ts';

export { planDriverOptEdit } from './compose-file.ts';

export const optionKeys = {
  server: ['addr'],
  username: ['username', 'user'],
  password: ['password', 'pass'],
  domain: ['domain', 'dom', 'workgroup'],
  vers: ['vers'],
} as const;

/** One CIFS volume as written in a compose file. Holds the password: never print it. */
export type CifsShare = {
  volume: string;
  file: string;
  /** `device` as written (pre-interpolation). */
  deviceRaw: string;
  server: string;
  share: string;
  username: string | undefined;
  password: string | undefined;
  domain: string | undefined;
  vers: string | undefined;
  /** Every mount option in file order (addr, credentials and the rest). */
  options: MountOption[];
};

/** What status, --json and the home screen may show: no password. */
export type ShareSummary = {
  volume: string;
  file: string;
  server: string;
  share: string;
  username: string | undefined;
  domain: string | undefined;
  vers: string | undefined;
  password: 'set' | 'unset';
  /** Other mount options in their order (uid, gid, file_mode, ...). */
  otherOptions: string[];
  configured: boolean;
};

export type ShareField = 'server' | 'share' | 'username' | 'password' | 'domain' | 'vers';
export const shareFields: ShareField[] = [
  'server',
  'share',
  'username',
  'password',
  'domain',
  'vers',
];
export type ShareChanges = Partial<Record<ShareField, string>>;

const placeholderServer = /^nas\.example\.(org|com|net)$/i;
const placeholderWord = /change-me/i;

/** The template's placeholders (nas.example.org, CHANGE-ME) or a missing credential mean "not configured". */
export function isConfigured(share: CifsShare): boolean {
  const values = [share.server, share.share, share.username ?? '', share.password ?? ''];
  if (values.some((value) => placeholderWord.test(value))) return false;
  if (placeholderServer.test(share.server)) return false;
  const address = findOption(share.options, optionKeys.server)?.value;
  if (address !== undefined && placeholderServer.test(address)) return false;
  return (share.username ?? '') !== '' && (share.password ?? '') !== '';
}

export function summarize(share: CifsShare): ShareSummary {
  const known = new Set<string>(Object.values(optionKeys).flat());
  return {
    volume: share.volume,
    file: share.file,
    server: share.server,
    share: share.share,
    username: share.username,
    domain: share.domain,
    vers: share.vers,
    password: (share.password ?? '') === '' ? 'unset' : 'set',
    // Any other option naming a password (e.g. the kernel's password2= for rotation) is masked.
    otherOptions: share.options
      .filter((option) => !known.has(option.key.toLowerCase()))
      .map((option) => (isPasswordKey(option.key) ? `${option.key}=${mask}` : option.raw)),
    configured: isConfigured(share),
  };
}

/** `//server/share/path` → server and share path (pre-interpolation text, `$$` decoded). */
export function splitDevice(device: string): { server: string; share: string } {
  const trimmed = device.replace(/^[/\\]+/, '');
  const slash = trimmed.search(/[/\\]/);
  if (slash === -1) return { server: unescapeDollars(trimmed), share: '' };
  return {
    server: unescapeDollars(trimmed.slice(0, slash)),
    share: unescapeDollars(trimmed.slice(slash + 1)),
  };
}

/** Every volume of one file whose `driver_opts.type` is cifs, whatever its name. */
export function sharesInFile(parsed: ParsedComposeFile, file: string): CifsShare[] {
  const shares: CifsShare[] = [];
  for (const entry of volumeEntries(parsed)) {
    if (!entry.driverOpts) continue;
    const type = scalarText(lookup(parsed.document, entry.driverOpts, 'type'));
    if (type?.trim().toLowerCase() !== 'cifs') continue;
    const deviceRaw = scalarText(lookup(parsed.document, entry.driverOpts, 'device')) ?? '';
    const optionText = scalarText(lookup(parsed.document, entry.driverOpts, 'o')) ?? '';
    const options = parseMountOptions(optionText);
    const { server, share } = splitDevice(deviceRaw);
    shares.push({
      volume: entry.name,
      file,
      deviceRaw,
      server: server || (findOption(options, optionKeys.server)?.value ?? ''),
      share,
      username: findOption(options, optionKeys.username)?.value,
      password: findOption(options, optionKeys.password)?.value,
      domain: findOption(options, optionKeys.domain)?.value,
      vers: findOption(options, optionKeys.vers)?.value,
      options,
    });
  }
  return shares;
}

export async function readComposeFile(file: string): Promise<ParsedComposeFile> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EACCES')
      throw new OvenaError(`cannot read ${file}: run ovena as root`, ExitCode.noPermission);
    throw new OvenaError(
      `compose file ${file} does not exist: pass --compose-file=PATH or set OVENA_COMPOSE_FILE`,
      ExitCode.noInput,
    );
  }
  return parseComposeText(text, file);
}

/**
 * The shares across the compose file list. The file that defines a volume as cifs is the one
 * that holds its credentials (a test override may replace the volume by a bind mount).
 */
export async function loadShares(files: readonly string[]): Promise<CifsShare[]> {
  const byVolume = new Map<string, CifsShare>();
  for (const file of files) {
    const parsed = await readComposeFile(file);
    for (const share of sharesInFile(parsed, file)) byVolume.set(share.volume, share);
  }
  return [...byVolume.values()];
}

/** The shares with `configured` and never the password: for status and the home screen. */
export async function readShares(composeFiles: readonly string[]): Promise<ShareSummary[]> {
  return (await loadShares(composeFiles)).map(summarize);
}

/** Refuses values that would break the mount options or the file, naming the field. */
export function validateChanges(changes: ShareChanges): void {
  for (const field of shareFields) {
    const value = changes[field];
    if (value === undefined) continue;
    if (/[\n\r\0]/.test(value))
      throw new UsageError(`the ${field} must not contain a line break or NUL character`);
  }
  const { server, share, username, password, domain, vers } = changes;
  if (server !== undefined) {
    if (server === '') throw new UsageError('the server must not be empty');
    if (/[\s/\\,]/.test(server))
      throw new UsageError(
        'the server must not contain a space, slash or comma: give the host name or IP address only (--server nas.example.org)',
      );
  }
  if (share !== undefined && share.replace(/^[/\\]+|[/\\]+$/g, '') === '')
    throw new UsageError('the share must not be empty (--share orthanc-images)');
  if (username !== undefined) {
    if (username === '') throw new UsageError('the username must not be empty');
    if (username.includes(','))
      throw new UsageError(
        'the username must not contain a comma (mount options are split on commas; only the password may hold one)',
      );
  }
  if (password !== undefined && password === '')
    throw new UsageError('the password must not be empty');
  if (domain?.includes(','))
    throw new UsageError('the domain must not contain a comma (mount options are split on commas)');
  if (vers !== undefined && /[\s,]/.test(vers))
    throw new UsageError('the vers must be an SMB version such as 3.0, without spaces or commas');
}

export type ShareEdit = {
  text: string;
  before: CifsShare;
  after: CifsShare;
  /** Volumes of this file whose share changed (anchors may share one value between volumes). */
  affectedVolumes: string[];
};

/** New device and `o` text for the changes; untouched parts keep their raw spelling (e.g. `${NAS}`). */
export function editedOptions(
  share: CifsShare,
  changes: ShareChanges,
): { device: string; options: string } {
  const server = changes.server ?? share.server;
  const path = changes.share?.replace(/^[/\\]+|[/\\]+$/g, '') ?? share.share;
  let device = share.deviceRaw;
  if (changes.server !== undefined || changes.share !== undefined) {
    const raw = splitRawDevice(share.deviceRaw);
    const serverRaw = changes.server === undefined ? raw.server : escapeDollars(server);
    const pathRaw = changes.share === undefined ? raw.share : escapeDollars(path);
    device = `//${serverRaw}/${pathRaw}`;
  }
  let options = share.options;
  if (changes.server !== undefined) {
    const address = findOption(options, optionKeys.server);
    if (address) options = withOption(options, optionKeys.server, server);
    else
      options = [{ key: 'addr', value: server, raw: `addr=${escapeDollars(server)}` }, ...options];
  }
  if (changes.username !== undefined)
    options = withOption(options, optionKeys.username, changes.username, ['addr']);
  if (changes.password !== undefined)
    options = withOption(options, optionKeys.password, changes.password, ['username', 'user']);
  if (changes.domain !== undefined)
    options = withOption(options, optionKeys.domain, changes.domain || undefined, [
      'password',
      'pass',
    ]);
  if (changes.vers !== undefined)
    options = withOption(options, optionKeys.vers, changes.vers || undefined);
  return { device, options: formatMountOptions(options) };
}

function splitRawDevice(device: string): { server: string; share: string } {
  const trimmed = device.replace(/^[/\\]+/, '');
  const slash = trimmed.search(/[/\\]/);
  return slash === -1
    ? { server: trimmed, share: '' }
    : { server: trimmed.slice(0, slash), share: trimmed.slice(slash + 1) };
}

function shareKey(share: CifsShare): string {
  return JSON.stringify([share.deviceRaw, formatMountOptions(share.options)]);
}

/** Plans the edit of one share in one file's text: only the device and `o` scalars change. */
export function planShareEdit(
  parsed: ParsedComposeFile,
  file: string,
  volume: string,
  changes: ShareChanges,
): ShareEdit {
  validateChanges(changes);
  const shares = sharesInFile(parsed, file);
  const before = shares.find((share) => share.volume === volume);
  if (!before)
    throw new UsageError(
      `${file} defines no CIFS volume "${volume}" (CIFS volumes: ${shares.map((share) => share.volume).join(', ') || 'none'})`,
    );
  const deviceNode = driverOptNode(parsed, volume, 'device');
  const optionNode = driverOptNode(parsed, volume, 'o');
  if (!deviceNode || !optionNode)
    throw new OvenaError(
      `volume "${volume}" in ${file} has no ${deviceNode ? 'o' : 'device'} in its driver_opts: add it by hand first`,
      ExitCode.config,
    );
  // A value equal to the current one is no change: its spelling (e.g. `${NAS_HOST}`) is kept.
  const effective: ShareChanges = {};
  for (const field of shareFields) {
    const value = changes[field];
    if (value !== undefined && value !== (before[field] ?? '')) effective[field] = value;
  }
  const wanted = editedOptions(before, effective);
  const edits: ScalarEdit[] = [
    { node: deviceNode, value: wanted.device },
    { node: optionNode, value: wanted.options },
  ];
  let after: CifsShare | undefined;
  let afterShares: CifsShare[] = [];
  const text = spliceScalars(parsed.text, edits, (candidate) => {
    const reparsed = parseComposeText(candidate, file);
    afterShares = sharesInFile(reparsed, file);
    after = afterShares.find((share) => share.volume === volume);
    return (
      after !== undefined &&
      after.deviceRaw === wanted.device &&
      formatMountOptions(after.options) === wanted.options
    );
  });
  if (!after) throw new OvenaError('the edited share could not be read back', ExitCode.failed);
  const beforeKeys = new Map(shares.map((share) => [share.volume, shareKey(share)]));
  const affectedVolumes = afterShares
    .filter((share) => beforeKeys.get(share.volume) !== shareKey(share))
    .map((share) => share.volume);
  return { text, before, after, affectedVolumes };
}
