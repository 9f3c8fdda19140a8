/**
 * Greedy word wrap to `width` cells (one cell a character): breaks at spaces, which are dropped
 * at the break (Ink's own wrap keeps them, so a wrapped line would start one column off), and
 * cuts a word longer than the width.
 */
export function wrapWords(text: string, width: number): string[] {
  const room = Math.max(1, width);
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ').filter((part) => part !== '')) {
    let rest = [...word];
    if (line !== '' && [...line].length + 1 + rest.length <= room) {
      line += ` ${word}`;
      continue;
    }
    if (line !== '') lines.push(line);
    line = '';
    while (rest.length > room) {
      lines.push(rest.slice(0, room).join(''));
      rest = rest.slice(room);
    }
    line = rest.join('');
  }
  if (line !== '' || lines.length === 0) lines.push(line);
  return lines;
}
