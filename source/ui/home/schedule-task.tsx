import { Box, Text, useInput } from 'ink';
import SelectInput from 'ink-select-input';
import { useEffect, useState } from 'react';
import { messageOf } from '../../errors.ts';
import {
  describeSchedule,
  readSchedule,
  type Schedule,
  setSchedule,
} from '../../schedule/schedule.ts';
import type { TaskScreenProps } from './tasks.tsx';

const choices: Array<{ label: string; value: Schedule }> = [
  { label: 'Hourly  (cron.hourly)', value: 'hourly' },
  { label: 'Daily   (cron.daily)', value: 'daily' },
  { label: 'Weekly  (cron.weekly)', value: 'weekly' },
  { label: 'Off     (no automatic backup)', value: 'off' },
];

/** The home menu's "Backup schedule…": the same move as `ovena schedule hourly|daily|weekly|off`. */
export function ScheduleTask({ cronDir, onDone, color }: TaskScreenProps & { cronDir: string }) {
  const [current, setCurrent] = useState<string>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    readSchedule(cronDir).then(
      (state) => setCurrent(describeSchedule(state)),
      (failure: unknown) => setError(messageOf(failure)),
    );
  }, [cronDir]);
  useInput((input, key) => {
    if (key.escape || input === 'q') onDone();
  });
  const choose = (value: Schedule) => {
    setSchedule(cronDir, value).then(
      (change) =>
        onDone(
          change.changed
            ? `Backup schedule: ${change.after.schedule} (was ${change.before.schedule})`
            : `Backup schedule unchanged: ${change.after.schedule}`,
        ),
      (failure: unknown) => setError(messageOf(failure)),
    );
  };
  return (
    <Box flexDirection="column">
      <Text bold {...(color ? { color: 'cyan' } : {})}>
        Backup schedule
      </Text>
      <Text wrap="truncate-end">Now: {current ?? 'reading…'}</Text>
      {error ? <Text {...(color ? { color: 'red' } : {})}>{error}</Text> : null}
      <SelectInput items={choices} onSelect={(item) => choose(item.value)} />
      <Text dimColor>↑↓ choose · Enter apply · Esc back</Text>
    </Box>
  );
}
