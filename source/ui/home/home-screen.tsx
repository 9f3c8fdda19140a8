import { Box, Text } from 'ink';
import { drillLine } from '../../drill/drill-status.ts';
import { formatAge, formatBytes, formatDuration } from '../../format.ts';
import { imagesLine } from '../../images/assess-images.ts';
import { type Assessment, assessArchive } from '../../monitoring/assess.ts';
import type { HomeService, HomeStatus } from '../../monitoring/home-status.ts';
import { HistoryHomeLine } from '../history/history-home-line.tsx';
import { type HomeState, menuItems } from './home-model.ts';

export type HomeScreenProps = {
  state: HomeState;
  now: number;
  width: number;
  rows: number;
  color: boolean;
  maxAgeMs?: number;
};

type Tone = 'green' | 'yellow' | 'red' | 'cyan' | 'gray';

/** Every line is cut at the terminal's width, never wrapped, so the layout holds at 60 columns. */
function Line({
  children,
  tone,
  color,
  bold,
}: {
  children: React.ReactNode;
  tone?: Tone | undefined;
  color: boolean;
  bold?: boolean;
}) {
  return (
    <Text wrap="truncate-end" {...(color && tone ? { color: tone } : {})} bold={bold ?? false}>
      {children}
    </Text>
  );
}

const label = (text: string) => text.padEnd(13);

function serviceLine(service: HomeService, now: number): string {
  const health = service.health ?? (service.up ? '-' : '');
  const since =
    service.up && service.startedAt ? `up ${formatAge(now - Date.parse(service.startedAt))}` : '';
  return `  ${service.name.padEnd(10)} ${service.state.padEnd(9)} ${health.padEnd(10)} ${since}`.trimEnd();
}

function backupLine(status: HomeStatus, assessment: Assessment, now: number): [string, Tone] {
  const record = status.lastBackup;
  if (status.lastBackupUnreadable)
    return [`${label('Last backup')}${status.lastBackupUnreadable}`, 'red'];
  if (!record) return [`${label('Last backup')}none recorded yet`, 'yellow'];
  const age = formatAge(now - Date.parse(record.at));
  if (record.result === 'failed') {
    return [
      `${label('Last backup')}FAILED ${age} ago${record.error ? `: ${record.error}` : ''}`,
      'red',
    ];
  }
  const text = `${label('Last backup')}${age} ago · ${formatBytes(record.sizeBytes)} · ok · ${record.file}`;
  const tone: Tone =
    assessment.backup === 'too-old' || assessment.backup === 'late' ? 'red' : 'green';
  return [tone === 'red' ? `${text} · TOO OLD` : text, tone];
}

function scheduleLine(status: HomeStatus): string {
  const schedule = status.schedule;
  if (!schedule) return `${label('Schedule')}unknown`;
  return `${label('Schedule')}${schedule.label}${schedule.intervalMs ? ` (every ${formatDuration(schedule.intervalMs)})` : ''}`;
}

function sharesLine(status: HomeStatus): [string, Tone | undefined] {
  if (status.sharesConfigured === undefined) return [`${label('CIFS shares')}unknown`, undefined];
  return status.sharesConfigured
    ? [`${label('CIFS shares')}configured`, 'green']
    : [`${label('CIFS shares')}not configured (local folders)`, 'yellow'];
}

const verdictTone: Record<Assessment['level'], Tone> = {
  ok: 'green',
  warning: 'yellow',
  critical: 'red',
};

/** The menu items that fit in `rows`, scrolled so that the cursor is always among them. */
export function menuWindow(
  cursor: number,
  rows: number,
): { items: { item: (typeof menuItems)[number]; index: number }[]; hidden: number } {
  const all = menuItems.map((item, index) => ({ item, index }));
  if (rows >= all.length) return { items: all, hidden: 0 };
  const start = Math.min(Math.max(0, cursor - Math.floor(rows / 2)), all.length - rows);
  return { items: all.slice(start, start + rows), hidden: all.length - rows };
}

/** The home screen: status header, menu, key legend. Height stays below the terminal's rows. */
export function HomeScreen({ state, now, width, rows, color, maxAgeMs }: HomeScreenProps) {
  const compact = rows < 26;
  const { status } = state;
  const assessment = status
    ? assessArchive(status, { now, ...(maxAgeMs === undefined ? {} : { maxAgeMs }) })
    : undefined;
  const attention = state.note
    ? { text: state.note, tone: 'cyan' as Tone }
    : state.loadError
      ? { text: `! status not refreshed: ${state.loadError}`, tone: 'yellow' as Tone }
      : assessment && assessment.level !== 'ok'
        ? { text: `! ${assessment.reasons[0] ?? ''}`, tone: verdictTone[assessment.level] }
        : undefined;
  const blank = compact ? null : <Text> </Text>;
  // The menu gets the rows the status leaves (one row spare): a window around the cursor.
  const statusRows = status ? status.services.length + 7 + (status.history ? 1 : 0) : 1;
  const used = 1 + statusRows + (attention ? 1 : 0) + (compact ? 0 : 3) + 1;
  const menu = menuWindow(state.cursor, Math.max(3, rows - 1 - used));
  return (
    <Box flexDirection="column" width={width}>
      <Line color={color} bold>
        ovena · Orthanc archive ·{' '}
        {assessment ? (
          <Text {...(color ? { color: verdictTone[assessment.level] } : {})}>
            {assessment.level.toUpperCase()}
          </Text>
        ) : (
          'reading status…'
        )}
      </Line>
      {blank}
      {status ? (
        <>
          {status.services.map((service) => (
            <Line key={service.name} color={color} tone={service.up ? undefined : 'red'}>
              {serviceLine(service, now)}
            </Line>
          ))}
          <Line color={color} tone={status.orthanc.reachable ? undefined : 'red'}>
            {status.orthanc.reachable
              ? `  Orthanc ${status.orthanc.version ?? '?'} · ${status.orthanc.instances ?? '?'} instances`
              : `  Orthanc not answering at ${status.orthanc.url}`}
          </Line>
          {(() => {
            const [text, tone] = backupLine(status, assessment as Assessment, now);
            return (
              <Line color={color} tone={tone}>
                {text}
              </Line>
            );
          })()}
          {status.history ? <HistoryHomeLine summary={status.history} color={color} /> : null}
          <Line color={color}>{scheduleLine(status)}</Line>
          <Line color={color} tone={status.lastDrill?.result === 'fail' ? 'red' : undefined}>
            {`${label('Last drill')}${drillLine(status.lastDrill, now)}`}
          </Line>
          {(() => {
            const images = imagesLine(status.imagesCheck, now, formatAge);
            return (
              <Line color={color} tone={images.tone}>
                {`${label('Image files')}${images.text}`}
              </Line>
            );
          })()}
          {(() => {
            const [text, tone] = sharesLine(status);
            return (
              <Line color={color} tone={tone}>
                {text}
              </Line>
            );
          })()}
        </>
      ) : (
        <Line color={color}>
          {state.loadError ? `status: ${state.loadError}` : 'reading status…'}
        </Line>
      )}
      {attention ? (
        <Line color={color} tone={attention.tone}>
          {attention.text}
        </Line>
      ) : null}
      {blank}
      {menu.items.map(({ item, index }) => {
        const selected = index === state.cursor;
        return (
          <Line key={item.id} color={color} tone={selected ? 'cyan' : undefined} bold={selected}>
            {selected ? '› ' : '  '}
            {item.label}
          </Line>
        );
      })}
      {blank}
      <Line color={color} tone="gray">
        ↑↓ move · Enter open · q/Esc quit · refreshes every few seconds
        {menu.hidden > 0 ? ` · ${menu.hidden} more in the menu` : ''}
      </Line>
    </Box>
  );
}
