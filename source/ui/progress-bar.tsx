import { Text } from 'ink';

/** A fixed-width bar; width shrinks on narrow terminals rather than wrapping. */
export function ProgressBar({ ratio, width }: { ratio: number; width: number }) {
  const clamped = Math.max(0, Math.min(1, ratio));
  const filled = Math.round(clamped * width);
  return (
    <Text>
      <Text color="green">{'█'.repeat(filled)}</Text>
      <Text dimColor>{'░'.repeat(width - filled)}</Text>
    </Text>
  );
}
