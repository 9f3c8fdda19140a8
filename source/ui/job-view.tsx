import { Box, Static, Text } from 'ink';
import Spinner from 'ink-spinner';
import { formatDuration } from '../format.ts';
import type { JobView, StepView } from '../jobs/job-state.ts';
import { cutTo, StepProgress } from './step-progress.tsx';

const marks: Record<StepView['status'], { mark: string; color: string }> = {
  pending: { mark: '·', color: 'gray' },
  running: { mark: '›', color: 'cyan' },
  done: { mark: '✔', color: 'green' },
  skipped: { mark: '↷', color: 'yellow' },
  failed: { mark: '✖', color: 'red' },
  interrupted: { mark: '✖', color: 'yellow' },
};

function FinishedStep({ step }: { step: StepView }) {
  const { mark, color } = marks[step.status];
  return (
    <Box flexDirection="column">
      <Text wrap="truncate-end">
        <Text color={color}>{mark}</Text> {step.title}
        {step.durationMs === undefined ? (
          ''
        ) : (
          <Text dimColor> {formatDuration(step.durationMs)}</Text>
        )}
        {step.note && step.status === 'done' ? <Text dimColor> · {step.note}</Text> : ''}
      </Text>
      {step.note && step.status !== 'done' ? (
        <Text color={color} wrap="wrap">
          {'  '}
          {step.note}
        </Text>
      ) : null}
    </Box>
  );
}

function RunningStep({ step, now, width }: { step: StepView; now: number; width: number }) {
  // The clock tick can predate the step start by a few ms.
  const elapsed = Math.max(0, now - (step.startedAt ?? now));
  const clock = formatDuration(elapsed);
  // The title gives way, not the elapsed time: spinner, space, title, space, time.
  const title = cutTo(step.title, Math.max(1, width - 3 - clock.length));
  return (
    <Box flexDirection="column">
      <Text wrap="truncate-end">
        <Text color="cyan">
          <Spinner type="dots" />
        </Text>{' '}
        {title} <Text dimColor>{clock}</Text>
      </Text>
      {step.progress ? (
        <StepProgress progress={step.progress} elapsedMs={elapsed} width={width} />
      ) : null}
      {step.logs.map((line, index) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: log lines are append-only
        <Text key={index} dimColor wrap="truncate-end">
          {'  '}
          {line}
        </Text>
      ))}
    </Box>
  );
}

/** A heading drawn once above the steps: the first item of the job's <Static> output. */
export type JobHeading = { text: string; color?: string };

type StaticItem = { key: string; heading: JobHeading } | { key: string; step: StepView };

/**
 * The live view of a job: the heading and the finished steps print once (Static, so above
 * everything that updates in place), the running one updates in place.
 */
export function JobScreen({
  view,
  now,
  width,
  heading,
}: {
  view: JobView;
  now: number;
  width: number;
  heading?: JobHeading;
}) {
  const finished = view.steps.filter(
    (step) => step.status !== 'pending' && step.status !== 'running',
  );
  // Static writes each item once, in order: the heading goes first so it stays above the steps.
  const items: StaticItem[] = [
    ...(heading ? [{ key: 'heading', heading }] : []),
    ...finished.map((step) => ({ key: `step:${step.id}`, step })),
  ];
  const running = view.steps.find((step) => step.status === 'running');
  const pending = view.steps.filter((step) => step.status === 'pending');
  const { result } = view;
  return (
    <Box flexDirection="column" width={width}>
      <Static items={items}>
        {(item) =>
          'heading' in item ? (
            <Text
              key={item.key}
              bold
              wrap="truncate-end"
              {...(item.heading.color ? { color: item.heading.color } : {})}
            >
              {item.heading.text}
            </Text>
          ) : (
            <FinishedStep key={item.key} step={item.step} />
          )
        }
      </Static>
      {running ? <RunningStep step={running} now={now} width={width} /> : null}
      {!result && pending.length > 0 ? (
        <Text dimColor wrap="truncate-end">
          {'  '}next: {pending.map((step) => step.title).join(' › ')}
        </Text>
      ) : null}
      {view.stopping && !result ? (
        <Text color="yellow">Stopping: letting "{running?.title ?? 'the step'}" clean up…</Text>
      ) : null}
      {result ? <Summary result={result} /> : null}
      {!result && !view.stopping ? <Text dimColor>Ctrl-C stops safely</Text> : null}
    </Box>
  );
}

function Summary({ result }: { result: NonNullable<JobView['result']> }) {
  if (result.outcome === 'succeeded') {
    return (
      <Text color="green" wrap="wrap">
        Done in {formatDuration(result.durationMs)}
        {result.state ? `: ${result.state}` : ''}
      </Text>
    );
  }
  const interrupted = result.outcome === 'interrupted';
  return (
    <Box flexDirection="column">
      <Text color={interrupted ? 'yellow' : 'red'} bold wrap="wrap">
        {interrupted ? 'Interrupted during' : 'Failed at'} "{result.stoppedAt?.title ?? '?'}"
        {!interrupted && result.error ? `: ${result.error}` : ''}
      </Text>
      {result.state ? <Text wrap="wrap">State: {result.state}</Text> : null}
    </Box>
  );
}
