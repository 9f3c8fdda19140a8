import type { CommandContext } from '../cli/context.ts';
import { writeLine } from '../cli/context.ts';
import { booleanOption, stringOption } from '../cli/parse-args.ts';
import { UsageError } from '../errors.ts';
import { describeAnomaly, unacknowledgedAnomalies } from '../history/anomaly.ts';
import { readAnomalySettings } from '../history/anomaly-settings.ts';
import { renderChart } from '../history/chart.ts';
import { acknowledgeAnomaly, operatorName } from '../history/guard.ts';
import {
  describeCorrupt,
  type HistoryKind,
  historyKinds,
  historyPath,
  readHistory,
} from '../history/history-file.ts';
import { chartRuns, historyTable, selectEntries } from '../history/history-table.ts';

/** Rows shown without --last (the chart and --json take every run unless --last is given). */
export const defaultRows = 20;

function parseKind(value: string | undefined): HistoryKind | undefined {
  if (value === undefined) return undefined;
  if (!(historyKinds as readonly string[]).includes(value)) {
    throw new UsageError(`--kind must be one of ${historyKinds.join(', ')} (got "${value}")`);
  }
  return value as HistoryKind;
}

function parseLast(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < 1) {
    throw new UsageError(`--last must be a positive whole number (got "${value}")`);
  }
  return Number(value);
}

/** Splits a line at spaces so that no piece is wider than `columns`; continuations are indented. */
export function wrapLine(line: string, columns: number, indent = '    '): string[] {
  if ([...line].length <= columns) return [line];
  const lead = /^ */.exec(line)?.[0] ?? '';
  const pieces: string[] = [];
  let current = lead;
  for (const word of line.slice(lead.length).split(' ')) {
    const candidate = current.trim() === '' ? `${current}${word}` : `${current} ${word}`;
    if ([...candidate].length <= columns || current.trim() === '') current = candidate;
    else {
      pieces.push(current);
      current = `${indent}${word}`;
    }
  }
  pieces.push(current);
  return pieces.map((piece) => cutLine(piece, columns));
}

function cutLine(line: string, columns: number): string {
  return [...line].length <= columns ? line : `${[...line].slice(0, columns - 1).join('')}…`;
}

/** `ovena history [--kind=K] [--last=N] [--json] [--ack]`. */
export async function run(context: CommandContext): Promise<number> {
  if (context.args.length > 0) {
    throw new UsageError(`history takes no arguments (got "${context.args.join(' ')}")`);
  }
  const kind = parseKind(stringOption(context.options, 'kind'));
  const last = parseLast(stringOption(context.options, 'last'));
  // Broken thresholds are refused here (exit 78, naming the key), as the backup only warns.
  await readAnomalySettings(context.paths.configDir);
  const { stateDir } = context.paths;
  const out = context.io.stdout;

  if (booleanOption(context.options, 'ack')) {
    const by = operatorName(context.env);
    const { acknowledged, entry } = await acknowledgeAnomaly(stateDir, by);
    if (context.json) {
      writeLine(out, JSON.stringify({ acknowledged, ack: entry ?? null }));
    } else if (!entry) {
      writeLine(out, 'nothing to acknowledge: no backup is flagged as anomalous');
    } else {
      for (const flagged of acknowledged) {
        writeLine(out, `acknowledged by ${by} at ${entry.at}: ${describeAnomaly(flagged)}`);
      }
    }
    return 0;
  }

  const { entries, corruptLines } = await readHistory(stateDir);
  if (corruptLines.length > 0) {
    writeLine(context.io.stderr, `ovena: warning: ${describeCorrupt(stateDir, corruptLines)}`);
  }
  if (context.json) {
    const pending = unacknowledgedAnomalies(entries).at(-1);
    writeLine(
      out,
      JSON.stringify({
        file: historyPath(stateDir),
        entries: selectEntries(entries, { kind, last }),
        corruptLines,
        unacknowledgedAnomaly: pending ?? null,
      }),
    );
    return 0;
  }
  const rows = selectEntries(entries, { kind, last: last ?? defaultRows });
  if (rows.length === 0) {
    writeLine(out, `no ${kind ?? 'run'}s recorded yet in ${historyPath(stateDir)}`);
    return 0;
  }
  const terminal = context.io.stdout.isTTY === true;
  const columns = terminal ? (context.io.stdout.columns ?? 80) : Number.POSITIVE_INFINITY;
  // On a terminal, table rows are cut at the width; notes (an anomaly's reasons, an error) wrap.
  const fit = (line: string) =>
    /^(anomalous| {2}[!ea])/.test(line)
      ? wrapLine(line, columns).join('\n')
      : cutLine(line, columns);
  if (terminal) {
    const chart = renderChart(chartRuns(entries, { kind, last }), columns, `${kind ?? 'backup'}s`);
    for (const line of chart) writeLine(out, line);
    if (chart.length > 0) writeLine(out);
  }
  for (const line of historyTable(rows, entries)) writeLine(out, fit(line));
  const pending = unacknowledgedAnomalies(entries).at(-1);
  if (pending) {
    writeLine(out);
    writeLine(out, fit(describeAnomaly(pending)));
  }
  return 0;
}
