import type { DumpFile } from '../../dumps/list-dumps.ts';
import { formatAgo, formatBytes, formatTimestamp } from '../../format.ts';

/**
 * The picker's rows at a terminal width. Wide (72 columns and more): name, size, time (UTC, to the
 * minute), age. Narrow: the time goes; size and age come first, the name takes what remains. The
 * age is on every row either way: a name too long for its column is cut, never the age.
 */
const sizeWidth = 8;
const timeWidth = 16;
const marker = 2;
/**
 * The wide layout from this width on: a 32-column name beside size, time and the longest age
 * ("23h 59m ago"). Below it the layout is narrow whatever the names, so 60 columns never shows
 * the time.
 */
export const wideFrom = marker + 32 + (1 + sizeWidth) + (1 + timeWidth) + (1 + 11);
/** The wide layout's name column when names are short (the 80-column layout before issue 17). */
const wideNameDefault = 32;

export type PickerLayout = { kind: 'wide' | 'narrow'; nameWidth: number; ageWidth: number };

const ageText = (dump: DumpFile, now: number) => formatAgo(now - dump.modifiedMs);

export function pickerLayout(page: readonly DumpFile[], now: number, width: number): PickerLayout {
  const ageWidth = Math.max(0, ...page.map((dump) => ageText(dump, now).length));
  const longest = Math.max(0, ...page.map((dump) => [...dump.name].length));
  const wideRoom = width - marker - (1 + sizeWidth) - (1 + timeWidth) - (1 + ageWidth);
  if (width >= wideFrom) {
    return {
      kind: 'wide',
      nameWidth: Math.min(wideRoom, Math.max(wideNameDefault, longest)),
      ageWidth,
    };
  }
  const nameWidth = Math.max(1, width - marker - (sizeWidth + 1) - (ageWidth + 1));
  return { kind: 'narrow', nameWidth, ageWidth };
}

/** Cuts or pads `text` to exactly `width` cells (one cell a character), an ellipsis when cut. */
export function fitTo(text: string, width: number): string {
  const chars = [...text];
  if (chars.length <= width) return text.padEnd(width);
  return width <= 1 ? '…'.slice(0, width) : `${chars.slice(0, width - 1).join('')}…`;
}

/** One row without its marker ("› " or two spaces), trailing spaces trimmed. */
export function pickerRow(dump: DumpFile, now: number, layout: PickerLayout): string {
  const size = formatBytes(dump.sizeBytes).padStart(sizeWidth);
  const age = ageText(dump, now);
  if (layout.kind === 'wide') {
    const time = formatTimestamp(dump.modifiedMs).slice(0, timeWidth);
    return `${fitTo(dump.name, layout.nameWidth)} ${size} ${time} ${age}`;
  }
  return `${size} ${age.padEnd(layout.ageWidth)} ${fitTo(dump.name, layout.nameWidth)}`.trimEnd();
}
