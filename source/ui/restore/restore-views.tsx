import { Box, Text } from 'ink';
import Spinner from 'ink-spinner';
import type { RestorePlan } from '../../restore/preflight.ts';
import { wrapWords } from '../wrap-words.ts';
import { ModeChoice, rowsForMode } from './mode-choice.tsx';
import { pickerLayout, pickerRow } from './picker-rows.ts';
import {
  type RestoreMode,
  type RestorePhase,
  type RestoreState,
  visibleDumps,
} from './restore-state.ts';

/** The restore screen's views: they only render the state (`restore-state.ts`). */
const pageSize = 10;
/** The confirmation's label column ("Will destroy" and a space): values and their wrapped lines align. */
const labelWidth = 13;

export function DumpPicker({
  state,
  now,
  width,
}: {
  state: RestoreState;
  now: number;
  width: number;
}) {
  const dumps = visibleDumps(state);
  const layout = pickerLayout(dumps, now, width);
  const first = Math.max(0, Math.min(state.cursor - pageSize + 1, dumps.length - pageSize));
  const page = dumps.slice(Math.max(0, first), Math.max(0, first) + pageSize);
  return (
    <Box flexDirection="column" width={width}>
      <Text bold>Restore: pick a dump from the backup share (newest first)</Text>
      <Text>
        Filter: {state.filter}
        <Text dimColor>{state.filter === '' ? '(type to filter)' : ''}</Text>
      </Text>
      {state.dumps.length === 0 ? <Text color="yellow">No dumps in /mnt/backup.</Text> : null}
      {state.dumps.length > 0 && dumps.length === 0 ? (
        <Text color="yellow">No dump matches "{state.filter}".</Text>
      ) : null}
      {page.map((dump) => {
        const selected = dumps.indexOf(dump) === state.cursor;
        return (
          <Text key={dump.name} wrap="truncate-end" {...(selected ? { color: 'cyan' } : {})}>
            {selected ? '› ' : '  '}
            {pickerRow(dump, now, layout)}
          </Text>
        );
      })}
      {dumps.length > pageSize ? <Text dimColor>{dumps.length} dumps; ↑/↓ to scroll</Text> : null}
      {state.error ? (
        <Text color="red" wrap="wrap">
          Refused: {state.error}
        </Text>
      ) : null}
      <Text dimColor>↑/↓ choose · Enter check this dump · Esc leave</Text>
    </Box>
  );
}

export function ConfirmScreen({
  plan,
  mode,
  typed,
  mismatch,
  now,
  width,
}: {
  plan: RestorePlan;
  mode: RestoreMode;
  typed: string;
  mismatch: boolean;
  now: number;
  width: number;
}) {
  const beside = mode === 'beside';
  const prompt = beside
    ? 'Type yes and press Enter to load the dump beside the live database while Orthanc runs, then switch (Orthanc stops for seconds).'
    : `Type the dump's name ${plan.dump.name} and press Enter to go on.`;
  return (
    <Box flexDirection="column" width={width}>
      {beside ? (
        <Text bold color="green">
          Restore beside: the current database is kept
        </Text>
      ) : (
        <Text bold color="red">
          Restore will DESTROY the current database
        </Text>
      )}
      {rowsForMode(plan, mode, now).flatMap((row) =>
        wrapWords(row.value, width - labelWidth).map((line, index) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: the wrapped lines of one row, in order
          <Text key={`${row.label}-${index}`} wrap="truncate-end">
            {(index === 0 ? row.label : '').padEnd(labelWidth)}
            {line}
          </Text>
        )),
      )}
      <Text> </Text>
      <ModeChoice plan={plan} mode={mode} width={width} />
      {wrapWords(prompt, width).map((line, index) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: the wrapped lines of one fixed sentence
        <Text key={index} wrap="truncate-end">
          <NameInLine line={line} name={beside ? 'yes' : plan.dump.name} />
        </Text>
      ))}
      <Text>
        {'> '}
        {typed}
        <Text inverse> </Text>
      </Text>
      {mismatch ? (
        <Text color="yellow" wrap="wrap">
          {beside
            ? 'That is not yes: nothing was done. Type yes.'
            : "That is not the dump's name: nothing was done. Type it exactly."}
        </Text>
      ) : null}
      <Text dimColor>
        {`${plan.beside?.possible ? '←/→ or Tab choose · ' : ''}Enter alone or Esc cancels`}
      </Text>
    </Box>
  );
}

/** A line of the typed confirmation's sentence, the dump's name in bold where it is whole. */
function NameInLine({ line, name }: { line: string; name: string }) {
  const at = line.indexOf(name);
  if (at < 0) return <>{line}</>;
  return (
    <>
      {line.slice(0, at)}
      <Text bold>{name}</Text>
      {line.slice(at + name.length)}
    </>
  );
}

export function StartQuestion({ answer }: { answer: boolean }) {
  return (
    <Box flexDirection="column">
      <Text>Start Orthanc now?</Text>
      <Text dimColor wrap="wrap">
        Leave it stopped if the image files still have to be put back on the images share; "ovena
        start" starts it later.
      </Text>
      <Text>
        <Text {...(answer ? { color: 'cyan' } : {})}>{answer ? '› ' : '  '}Start Orthanc now</Text>
        {'   '}
        <Text {...(!answer ? { color: 'cyan' } : {})}>{!answer ? '› ' : '  '}Leave it stopped</Text>
      </Text>
      <Text dimColor>←/→ choose · Enter confirm · y/n</Text>
    </Box>
  );
}

/** Checking a dump (preflight) before anything is changed. */
export function CheckView({ phase }: { phase: Extract<RestorePhase, { kind: 'check' }> }) {
  return (
    <Box flexDirection="column">
      <Text>
        <Spinner type="dots" /> Checking{' '}
        {typeof phase.dump === 'string' ? phase.dump : phase.dump.name} before anything is changed…
      </Text>
      {phase.lines.map((line) => (
        <Text key={line} dimColor wrap="truncate-end">
          {'  '}
          {line}
        </Text>
      ))}
      <Text dimColor>Esc cancels</Text>
    </Box>
  );
}

export function LoadingView() {
  return (
    <Text>
      <Spinner type="dots" /> Listing the dumps in /mnt/backup…
    </Text>
  );
}

export function DoneView({ lines }: { lines: string[] }) {
  return (
    <Box flexDirection="column">
      {lines.map((line) => (
        <Text key={line} wrap="wrap">
          {line}
        </Text>
      ))}
    </Box>
  );
}
