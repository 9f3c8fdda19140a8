import { Box, render, Text, useApp, useInput } from 'ink';
import SelectInput from 'ink-select-input';
import type { ReactElement } from 'react';
import { useEffect, useState } from 'react';
import { recreateAdvice, type SavedEdit } from '../../cifs/save-share.ts';
import { type CifsShare, isConfigured, type ShareChanges } from '../../cifs/shares.ts';
import { type Io, writeLine } from '../../context.ts';
import { ExitCode, exitCodeOf, messageOf, OvenaError, signalExitCode } from '../../errors.ts';
import { redactSecrets } from '../../secrets/redact.ts';
import { inkOptions } from '../ink-options.ts';
import { type FormResult, ShareForm } from './share-form.tsx';

/**
 * The side effects the cifs screens ask for (files, lock, docker); the command passes real ones.
 * The screens only ask questions: every change happens here, after a screen has closed.
 */
export type CifsServices = {
  loadShares(): Promise<CifsShare[]>;
  /** Checks the compose project before the first form. */
  ready(): Promise<void>;
  /** Re-reads the files, takes the host lock and writes one share's change. */
  saveShare(share: CifsShare, changes: ShareChanges): Promise<SavedEdit | undefined>;
  /** Takes the host lock, recreates the volumes (a job) and returns the status lines after it. */
  recreateVolumes(volumes: string[]): Promise<{ exitCode: number; statusLines: string[] }>;
};

/** Renders one screen until it reports a result; the side effects happen after it unmounts. */
async function ask<T>(
  context: { io: Io; signal: AbortSignal },
  screen: (done: (value: T) => void) => ReactElement,
): Promise<T> {
  let result: T | undefined;
  let settled = false;
  const { signal } = context;
  signal.throwIfAborted();
  const instance = render(
    screen((value) => {
      result = value;
      settled = true;
    }),
    inkOptions(context.io),
  );
  // SIGINT, SIGTERM or SIGHUP at a question: close the screen, change nothing more.
  const onAbort = () => instance.unmount();
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    await instance.waitUntilExit();
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
  if (signal.aborted) {
    throw new OvenaError(
      `interrupted (${String(signal.reason)}) at a question: nothing more was changed`,
      signalExitCode(signal.reason),
    );
  }
  if (!settled) throw new Error('screen closed without an answer');
  return result as T;
}

function Exit<T>({
  value,
  onDone,
  children,
}: {
  value: T | undefined;
  onDone(value: T): void;
  children: ReactElement;
}) {
  const { exit } = useApp();
  useEffect(() => {
    if (value !== undefined) {
      onDone(value);
      exit();
    }
  }, [value, onDone, exit]);
  return children;
}

function FormScreen({
  share,
  position,
  onDone,
}: {
  share: CifsShare;
  position?: string;
  onDone(result: FormResult): void;
}) {
  const [result, setResult] = useState<FormResult>();
  return (
    <Exit value={result} onDone={onDone}>
      <ShareForm share={share} {...(position ? { position } : {})} onDone={setResult} />
    </Exit>
  );
}

function PickScreen({
  shares,
  onDone,
}: {
  shares: CifsShare[];
  onDone(volume: string | null): void;
}) {
  const [result, setResult] = useState<{ volume: string | null }>();
  useInput((input, key) => {
    if (key.escape || (key.ctrl && input === 'c') || input === 'q') setResult({ volume: null });
  });
  const items = [
    ...shares.map((share) => ({
      key: share.volume,
      label: `${share.volume}  //${share.server}/${share.share}  user ${share.username ?? '-'}`,
      value: share.volume,
    })),
    { key: '__quit', label: 'Quit', value: '' },
  ];
  return (
    <Exit value={result} onDone={(value) => onDone(value.volume)}>
      <Box flexDirection="column">
        <Text bold>Which share do you want to change?</Text>
        <SelectInput items={items} onSelect={(item) => setResult({ volume: item.value || null })} />
      </Box>
    </Exit>
  );
}

function ConfirmScreen({ volumes, onDone }: { volumes: string[]; onDone(yes: boolean): void }) {
  const [result, setResult] = useState<boolean>();
  useInput((input, key) => {
    if (input === 'y' || input === 'Y') setResult(true);
    else if (
      input === 'n' ||
      input === 'N' ||
      key.return ||
      key.escape ||
      (key.ctrl && input === 'c')
    )
      setResult(false);
  });
  return (
    <Exit value={result} onDone={onDone}>
      <Box flexDirection="column">
        <Text>Docker keeps the old options until the volume is recreated.</Text>
        <Text>
          Recreate {volumes.join(', ')} now? This stops the services using them, removes the volumes
          (files on the NAS stay) and starts again. [y/N]
        </Text>
      </Box>
    </Exit>
  );
}

/** `ovena cifs` on a terminal: a form per share; first-time setup walks through every unconfigured share. */
export async function runCifsInteractive(
  context: { io: Io; signal: AbortSignal },
  services: CifsServices,
): Promise<number> {
  const { stdout } = context.io;
  const shares = await services.loadShares();
  if (shares.length === 0) {
    writeLine(stdout, 'No CIFS volume (driver_opts type: cifs) in the compose files.');
    return ExitCode.ok;
  }
  await services.ready();
  const unconfigured = shares.filter((share) => !isConfigured(share));
  const saved: SavedEdit[] = [];
  let exitCode: number = ExitCode.ok;

  const editOne = async (share: CifsShare, position?: string) => {
    const result = await ask<FormResult>(context, (done) => (
      <FormScreen share={share} {...(position ? { position } : {})} onDone={done} />
    ));
    if (result.action === 'cancel') {
      writeLine(stdout, `Share ${share.volume}: cancelled, nothing written.`);
      return;
    }
    try {
      const edit = await services.saveShare(share, result.changes);
      if (edit) {
        saved.push(edit);
        writeLine(
          stdout,
          `Share ${share.volume}: saved (${edit.changed.join(', ')}); previous file kept as ${edit.file}.bak.`,
        );
      } else writeLine(stdout, `Share ${share.volume}: nothing changed.`);
    } catch (error) {
      writeLine(
        stdout,
        `Share ${share.volume}: not saved: ${redactSecrets(messageOf(error), [result.changes.password ?? ''])}`,
      );
      exitCode = exitCodeOf(error);
    }
  };

  if (unconfigured.length > 0) {
    writeLine(
      stdout,
      `First-time setup: ${unconfigured.length} share(s) still hold the template's placeholders.`,
    );
    for (const [index, share] of unconfigured.entries())
      await editOne(share, `share ${index + 1} of ${unconfigured.length}`);
  } else {
    for (;;) {
      const volume = await ask<string | null>(context, (done) => (
        <PickScreen shares={shares} onDone={done} />
      ));
      if (volume === null) break;
      const share = shares.find((entry) => entry.volume === volume);
      if (share) await editOne(share);
    }
  }

  const volumes = [...new Set(saved.flatMap((edit) => edit.affectedVolumes))];
  if (volumes.length === 0) return exitCode;
  const yes = await ask<boolean>(context, (done) => (
    <ConfirmScreen volumes={volumes} onDone={done} />
  ));
  if (!yes) {
    writeLine(stdout, recreateAdvice(volumes));
    return exitCode;
  }
  const result = await services.recreateVolumes(volumes);
  for (const line of result.statusLines) writeLine(stdout, line);
  return result.exitCode || exitCode;
}
