import { Box, render, Text, useApp, useInput } from 'ink';
import SelectInput from 'ink-select-input';
import type { Io } from '../../context.ts';
import type { DumpFile } from '../../dumps/list-dumps.ts';
import { formatAgo, formatBytes } from '../../format.ts';
import { inkOptions } from '../ink-options.ts';

function Picker({
  title,
  dumps,
  onPick,
}: {
  title: string;
  dumps: DumpFile[];
  onPick(dump: DumpFile | undefined): void;
}) {
  const { exit } = useApp();
  useInput((input, key) => {
    if (key.escape || input === 'q' || (key.ctrl && input === 'c')) {
      onPick(undefined);
      exit();
    }
  });
  const now = Date.now();
  const items = dumps.slice(0, 200).map((dump) => ({
    key: dump.name,
    label: `${dump.name}  ${formatBytes(dump.sizeBytes)}  ${formatAgo(now - dump.modifiedMs)}`,
    value: dump.name,
  }));
  return (
    <Box flexDirection="column">
      <Text bold>{title}</Text>
      <SelectInput
        items={items}
        limit={12}
        onSelect={(item) => {
          onPick(dumps.find((dump) => dump.name === item.value));
          exit();
        }}
      />
      <Text color="gray">↑↓ move · Enter choose · Esc cancel</Text>
    </Box>
  );
}

/** A small dump picker on a terminal; undefined when the operator cancels. */
export async function pickDump(
  io: Io,
  title: string,
  dumps: DumpFile[],
): Promise<DumpFile | undefined> {
  let chosen: DumpFile | undefined;
  const instance = render(
    <Picker
      title={title}
      dumps={dumps}
      onPick={(dump) => {
        chosen = dump;
      }}
    />,
    inkOptions(io),
  );
  await instance.waitUntilExit();
  return chosen;
}
