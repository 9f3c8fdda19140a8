import { Box, Text } from 'ink';
import { type PlanRow, planRows } from '../../restore/plan-lines.ts';
import type { RestorePlan } from '../../restore/preflight.ts';
import { wrapWords } from '../wrap-words.ts';
import type { RestoreMode } from './restore-state.ts';

/*
 * Issue 18's choice on the confirmation: beside or from scratch, the recommended one preselected,
 * the reason under it. Beside is shown but not selectable when it is not possible.
 */

/** The plan's rows for the chosen mode: beside destroys nothing, so it lists only what it loads. */
export function rowsForMode(plan: RestorePlan, mode: RestoreMode, now: number): PlanRow[] {
  const rows = planRows(plan, now);
  // The choice below says what the Beside row said (recommended, or why not).
  const shown = plan.beside ? rows.filter((row) => row.label !== 'Beside') : rows;
  if (mode === 'scratch') return shown;
  const besideLabels = ['Will load', 'Orthanc now', 'Dump holds', 'Difference'];
  return shown.filter((row) => besideLabels.includes(row.label));
}

export function ModeChoice({
  plan,
  mode,
  width,
}: {
  plan: RestorePlan;
  mode: RestoreMode;
  width: number;
}) {
  const verdict = plan.beside;
  if (!verdict) return null;
  const beside = mode === 'beside';
  const chosen = { color: 'cyan' } as const;
  // The choice's own words say recommended or not possible; the line under it says why.
  const reason = `Beside: ${verdict.reason}`;
  return (
    <Box flexDirection="column">
      <Text wrap="truncate-end">
        {verdict.possible ? (
          <Text {...(beside ? chosen : {})}>{beside ? '› ' : '  '}beside (recommended)</Text>
        ) : (
          <Text dimColor>{'  '}beside (not possible)</Text>
        )}
        {'   '}
        <Text {...(!beside ? chosen : {})}>
          {!beside ? '› ' : '  '}from scratch{verdict.possible ? '' : ' (recommended)'}
        </Text>
      </Text>
      {wrapWords(reason, width).map((line, index) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: the wrapped lines of one sentence
        <Text key={index} dimColor={!verdict.possible} wrap="truncate-end">
          {line}
        </Text>
      ))}
      <Text> </Text>
    </Box>
  );
}
