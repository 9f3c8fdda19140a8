import type { Readable } from 'node:stream';

/** One regular file of a tar stream, with its whole content. */
export type TarEntry = { path: string; data: Buffer };

function octal(header: Buffer, offset: number, length: number): number {
  const text = header
    .toString('latin1', offset, offset + length)
    .replace(/\0.*$/s, '')
    .trim();
  return text === '' ? 0 : Number.parseInt(text, 8);
}

function cString(header: Buffer, offset: number, length: number): string {
  const text = header.toString('utf8', offset, offset + length);
  const end = text.indexOf('\0');
  return end < 0 ? text : text.slice(0, end);
}

/**
 * Reads a tar stream (GNU or ustar, as `tar -c` writes it) file by file. Only one file's content is
 * held at a time; the stream is paused while the consumer works on it.
 */
export async function* tarEntries(stream: Readable): AsyncGenerator<TarEntry> {
  const chunks: Buffer[] = [];
  let buffered = 0;
  const iterator = (stream as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  const take = async (count: number): Promise<Buffer | undefined> => {
    while (buffered < count) {
      const next = await iterator.next();
      if (next.done) return undefined;
      chunks.push(next.value);
      buffered += next.value.length;
    }
    const all = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
    chunks.length = 0;
    const result = all.subarray(0, count);
    const rest = all.subarray(count);
    if (rest.length > 0) chunks.push(rest);
    buffered = rest.length;
    return result;
  };
  let longName: string | undefined;
  for (;;) {
    const header = await take(512);
    if (!header || header.every((byte) => byte === 0)) return;
    const size = octal(header, 124, 12);
    const type = String.fromCharCode(header[156] ?? 0x30);
    const padded = Math.ceil(size / 512) * 512;
    const body = await take(padded);
    if (!body) throw new Error('the tar stream ended in the middle of a file');
    const data = Buffer.from(body.subarray(0, size));
    if (type === 'L') {
      longName = cString(data, 0, data.length);
      continue;
    }
    const prefix = header.toString('latin1', 257, 263).startsWith('ustar')
      ? cString(header, 345, 155)
      : '';
    const name =
      longName ?? (prefix ? `${prefix}/${cString(header, 0, 100)}` : cString(header, 0, 100));
    longName = undefined;
    if (type === '0' || type === '\0') yield { path: name.replace(/^\.\//, ''), data };
  }
}
