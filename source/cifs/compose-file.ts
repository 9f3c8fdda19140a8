import {
  type Document,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  type Node,
  parseDocument,
  type Scalar,
  type YAMLMap,
} from 'yaml';
import { ExitCode, OvenaError, UsageError } from '../errors.ts';

/**
 * Reading and splicing a compose file at the source level: a value is replaced by cutting out
 * exactly its scalar's bytes, so comments, quoting, anchors and every other line stay as they were.
 */
export type ParsedComposeFile = { text: string; document: Document.Parsed };

export function parseComposeText(text: string, label: string): ParsedComposeFile {
  const document = parseDocument(text, { merge: true, keepSourceTokens: false, uniqueKeys: false });
  if (document.errors.length > 0) {
    const first = document.errors[0];
    throw new OvenaError(
      `${label} is not valid YAML (${first?.message.split('\n')[0] ?? 'parse error'}): fix it by hand or restore ${label}.bak`,
      ExitCode.config,
    );
  }
  return { text, document };
}

function resolve(document: Document.Parsed, node: unknown): unknown {
  let current = node;
  for (let depth = 0; depth < 20 && isAlias(current); depth++) current = current.resolve(document);
  return current;
}

function isMergeKey(key: unknown): boolean {
  return isScalar(key) && (typeof key.value === 'symbol' || key.value === '<<');
}

/** A key's value node in a map, following aliases and `<<` merge keys as compose (PyYAML / Go) does. */
export function lookup(document: Document.Parsed, map: unknown, key: string): Node | undefined {
  const resolved = resolve(document, map);
  if (!isMap(resolved)) return undefined;
  for (const pair of (resolved as YAMLMap).items) {
    if (isScalar(pair.key) && pair.key.value === key) return resolve(document, pair.value) as Node;
  }
  for (const pair of (resolved as YAMLMap).items) {
    if (!isMergeKey(pair.key)) continue;
    const source = resolve(document, pair.value);
    const sources = isSeq(source) ? source.items : [source];
    for (const entry of sources) {
      const found = lookup(document, entry, key);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

export function scalarText(node: unknown): string | undefined {
  if (!isScalar(node)) return undefined;
  const { value } = node;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(node.source ?? value);
  return undefined;
}

/** The top-level volumes, in file order, with their `driver_opts` map node (when any). */
export function volumeEntries(
  parsed: ParsedComposeFile,
): Array<{ name: string; driverOpts: Node | undefined }> {
  const { document } = parsed;
  const volumes = resolve(document, document.get('volumes', true));
  if (!isMap(volumes)) return [];
  const entries: Array<{ name: string; driverOpts: Node | undefined }> = [];
  for (const pair of (volumes as YAMLMap).items) {
    const name = scalarText(pair.key);
    if (name === undefined) continue;
    entries.push({ name, driverOpts: lookup(document, pair.value, 'driver_opts') });
  }
  return entries;
}

/** The scalar holding `driver_opts.KEY` of a volume (after aliases and merge keys). */
export function driverOptNode(
  parsed: ParsedComposeFile,
  volume: string,
  key: string,
): Scalar | undefined {
  const entry = volumeEntries(parsed).find((candidate) => candidate.name === volume);
  if (!entry?.driverOpts) return undefined;
  const node = lookup(parsed.document, entry.driverOpts, key);
  return isScalar(node) ? node : undefined;
}

const plainUnsafeStart = /^[\s\-?:,[\]{}#&*!|>'"%@`]/;

/** The source text for a scalar holding `value`, in the node's own style when that can hold it. */
export function scalarSource(style: Scalar['type'] | undefined, value: string): string[] {
  const double = JSON.stringify(value);
  const candidates: string[] = [];
  if (style === 'PLAIN') {
    if (
      value !== '' &&
      !plainUnsafeStart.test(value) &&
      !/\s$/.test(value) &&
      !value.includes(': ') &&
      !value.includes(' #') &&
      !/[\t\n\r]/.test(value)
    )
      candidates.push(value);
  } else if (style === 'QUOTE_SINGLE') {
    candidates.push(`'${value.replaceAll("'", "''")}'`);
  }
  candidates.push(double);
  return candidates;
}

export type ScalarEdit = { node: Scalar; value: string };

/**
 * Replaces the bytes of each edited scalar and nothing else. Each result is checked by parsing
 * it again (`check`); when a plain or single-quoted spelling does not read back exactly, the
 * double-quoted one is used.
 */
export function spliceScalars(
  text: string,
  edits: readonly ScalarEdit[],
  check: (candidate: string) => boolean,
): string {
  const unique = new Map<Scalar, string>();
  for (const edit of edits) unique.set(edit.node, edit.value);
  const ordered = [...unique.entries()]
    .filter(([node, value]) => node.value !== value)
    .sort(([a], [b]) => (b.range?.[0] ?? 0) - (a.range?.[0] ?? 0));
  // Try every edit in its own style first; fall back to double quotes for all if that fails.
  for (const forceDouble of [false, true]) {
    let result = text;
    for (const [node, value] of ordered) {
      const [start, end] = node.range ?? [0, 0];
      const options = scalarSource(node.type, value);
      let source = forceDouble ? (options.at(-1) as string) : (options[0] as string);
      // A block scalar's range ends after its last line break: keep that break.
      if (/^BLOCK/.test(node.type ?? '') && result.slice(start, end).endsWith('\n')) source += '\n';
      result = result.slice(0, start) + source + result.slice(end);
    }
    if (check(result)) return result;
  }
  throw new OvenaError(
    'the edited compose file did not read back as intended; nothing was written',
    ExitCode.failed,
  );
}

/** Edits any `driver_opts` value of a volume (file text): the same splice as for shares, for local volumes. */
export function planDriverOptEdit(
  parsed: ParsedComposeFile,
  file: string,
  volume: string,
  key: string,
  value: string,
): string {
  if (/[\n\r\0]/.test(value))
    throw new UsageError(`the ${key} must not contain a line break or NUL character`);
  const node = driverOptNode(parsed, volume, key);
  if (!node)
    throw new UsageError(`volume "${volume}" in ${file} has no driver_opts.${key} to change`);
  return spliceScalars(
    parsed.text,
    [{ node, value }],
    (candidate) => driverOptNode(parseComposeText(candidate, file), volume, key)?.value === value,
  );
}
