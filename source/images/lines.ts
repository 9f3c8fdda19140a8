import type { Readable } from 'node:stream';

/** The lines of a text stream, one at a time, without holding more than one chunk. */
export async function* readLines(stream: Readable): AsyncGenerator<string> {
  stream.setEncoding('utf8');
  let pending = '';
  for await (const chunk of stream as AsyncIterable<string>) {
    const text = pending + chunk;
    let start = 0;
    for (;;) {
      const end = text.indexOf('\n', start);
      if (end < 0) break;
      yield text.slice(start, end);
      start = end + 1;
    }
    pending = text.slice(start);
  }
  if (pending !== '') yield pending;
}
