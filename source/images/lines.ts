import type { Readable } from 'node:stream';

/**
 * The lines of a text stream, a chunk's worth at a time (one array per chunk read), without
 * holding more than one chunk: per-line async steps would cost more than the comparison itself.
 */
export async function* readLineBatches(stream: Readable): AsyncGenerator<string[]> {
  stream.setEncoding('utf8');
  let pending = '';
  for await (const chunk of stream as AsyncIterable<string>) {
    const lines = (pending + chunk).split('\n');
    pending = lines.pop() ?? '';
    if (lines.length > 0) yield lines;
  }
  if (pending !== '') yield [pending];
}

/** The lines of a text stream, one at a time. */
export async function* readLines(stream: Readable): AsyncGenerator<string> {
  for await (const batch of readLineBatches(stream)) yield* batch;
}
