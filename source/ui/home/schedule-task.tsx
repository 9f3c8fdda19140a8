import { Box, Text, useInput } from 'ink';
import SelectInput from 'ink-select-input';
import { useEffect, useState } from 'react';
import { messageOf } from '../../errors.ts';
import type { Schedule } from '../../schedule/schedule.ts';
import type { TaskScreenProps } from './tasks.tsx';

/** What the schedule screen asks for; the home screen passes the real cron directory's. */
export type ScheduleService = {
  /** The schedule now, as one line. */
  describe(): Promise<string>;
  /** Moves the cron wrapper; resolves with the line to show on the home screen. */
  change(schedule: Schedule): Promise<string>;
};

const choices: Array<{ label: string; value: Schedule }> = [
  { label: 'Hourly  (cron.hourly)', value: 'hourly' },
  { label: 'Daily   (cron.daily)', value: 'daily' },
  { label: 'Weekly  (cron.weekly)', value: 'weekly' },
  { label: 'Off     (no automatic backup)', value: 'off' },
];

/** The home menu's "Backup schedule…": the same move as `ovena schedule hourly|daily|weekly|off`. */
export function ScheduleTask({
  service,
  onDone,
  color,
}: TaskScreenProps & { service: ScheduleService }) {
  const [current, setCurrent] = useState<string>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    service.describe().then(setCurrent, (failure: unknown) => setError(messageOf(failure)));
  }, [service]);
  useInput((input, key) => {
    if (key.escape || input === 'q') onDone();
  });
  const choose = (value: Schedule) => {
    service.change(value).then(onDone, (failure: unknown) => setError(messageOf(failure)));
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
