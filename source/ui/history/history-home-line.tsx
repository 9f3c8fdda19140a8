import { Text } from 'ink';
import { type HistorySummary, summaryText } from '../../history/summary.ts';

/** The home screen's "History" line: the last 24 backups' sizes as a sparkline, cut at the width. */
export function historyHomeText(summary: HistorySummary): string {
  return `${'History'.padEnd(13)}${summaryText(summary)}`;
}

export function HistoryHomeLine({ summary, color }: { summary: HistorySummary; color: boolean }) {
  return (
    <Text wrap="truncate-end" {...(color && summary.anomaly ? { color: 'yellow' } : {})}>
      {historyHomeText(summary)}
    </Text>
  );
}
