import { Box, Text } from 'ink';
import Spinner from 'ink-spinner';
import { formatAge, formatBytes, formatTimestamp } from '../../format.ts';
import { planLines } from '../../restore/plan-lines.ts';
import type { RestorePlan } from '../../restore/preflight.ts';
import { type RestorePhase, type RestoreState, visibleDumps } from './restore-state.ts';

/** The restore screen's views: they only render the state (`restore-state.ts`). */
const pageSize = 10;

export function DumpPicker({ state, now }: { state: RestoreState; now: number }) {
  const dumps = visibleDumps(state);
  const first = Math.max(0, Math.min(state.cursor - pageSize + 1, dumps.length - pageSize));
  const page = dumps.slice(Math.max(0, first), Math.max(0, first) + pageSize);
  return (
    <Box flexDirection="column">
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
            {dump.name.padEnd(32)} {formatBytes(dump.sizeBytes).padStart(8)}{' '}
            {formatTimestamp(dump.modifiedMs).slice(0, 16)} {formatAge(now - dump.modifiedMs)} ago
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
  typed,
  mismatch,
  now,
}: {
  plan: RestorePlan;
  typed: string;
  mismatch: boolean;
  now: number;
}) {
  return (
    <Box flexDirection="column">
      <Text bold color="red">
        Restore will DESTROY the current database
      </Text>
      {planLines(plan, now).map((line) => (
        <Text key={line} wrap="wrap">
          {line}
        </Text>
      ))}
      <Text> </Text>
      <Text wrap="wrap">
        Type the dump's name <Text bold>{plan.dump.name}</Text> and press Enter to go on.
      </Text>
      <Text>
        {'> '}
        {typed}
        <Text inverse> </Text>
      </Text>
      {mismatch ? (
        <Text color="yellow">That is not the dump's name: nothing was done. Type it exactly.</Text>
      ) : null}
      <Text dimColor>Enter alone or Esc cancels</Text>
    </Box>
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
