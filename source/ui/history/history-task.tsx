import { Box, Text, useInput, useStdout } from 'ink';
import { useEffect, useState } from 'react';
import { messageOf } from '../../errors.ts';
import { describeAnomaly, unacknowledgedAnomalies } from '../../history/anomaly.ts';
import { renderChart } from '../../history/chart.ts';
import { describeCorrupt, type HistoryRead, readHistory } from '../../history/history-file.ts';
import { chartRuns, historyTable, selectEntries } from '../../history/history-table.ts';

export type HistoryTaskProps = {
  stateDir: string;
  onDone(note?: string): void;
  color: boolean;
};

/** The lines of the full history view for a terminal of this size (pure, for tests). */
export function historyViewLines(
  read: HistoryRead,
  stateDir: string,
  columns: number,
  rows: number,
): string[] {
  const { entries, corruptLines } = read;
  const lines = ['Backup history'];
  if (entries.length === 0) return [...lines, '', 'No runs recorded yet.'];
  const chart = renderChart(chartRuns(entries, {}), columns);
  if (chart.length > 0) lines.push('', ...chart);
  const pending = unacknowledgedAnomalies(entries).at(-1);
  const notes = [
    ...(pending ? [describeAnomaly(pending)] : []),
    ...(corruptLines.length > 0 ? [describeCorrupt(stateDir, corruptLines)] : []),
  ];
  // Title, chart, a blank, the table, the notes and the key line: the table gets what is left.
  const room = Math.max(2, rows - lines.length - 1 - notes.length - 2);
  const table = historyTable(selectEntries(entries, {}), entries).slice(0, room);
  return [...lines, '', ...table, ...notes];
}

/** The full history inside the home screen: chart and the newest runs; Enter, Esc or q go back. */
export function HistoryTask({ stateDir, onDone, color }: HistoryTaskProps) {
  const { stdout } = useStdout();
  const columns = stdout.columns || 80;
  const rows = stdout.rows || 24;
  const [read, setRead] = useState<HistoryRead>();
  const [error, setError] = useState<string>();

  useEffect(() => {
    let active = true;
    readHistory(stateDir).then(
      (value) => active && setRead(value),
      (failure: unknown) => active && setError(messageOf(failure)),
    );
    return () => {
      active = false;
    };
  }, [stateDir]);

  useInput((input, key) => {
    if (key.return || key.escape || input === 'q') onDone();
  });

  const lines = read
    ? historyViewLines(read, stateDir, columns, rows)
    : [error ? `Backup history: ${error}` : 'reading the history…'];
  return (
    <Box flexDirection="column" width={columns}>
      {lines.map((line, index) => (
        <Text
          // biome-ignore lint/suspicious/noArrayIndexKey: the lines are a static snapshot
          key={index}
          wrap="truncate-end"
          bold={index === 0}
          {...(color && index === 0 ? { color: 'cyan' } : {})}
        >
          {line === '' ? ' ' : line}
        </Text>
      ))}
      {read || error ? (
        <Text wrap="truncate-end" {...(color ? { color: 'gray' } : {})}>
          Enter or Esc: back to home · all runs: ovena history --last=N
        </Text>
      ) : null}
    </Box>
  );
}
