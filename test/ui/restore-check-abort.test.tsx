import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { cleanup, render } from 'ink-testing-library';
import type { DumpFile } from '../../source/dumps/list-dumps.ts';
import type { RestorePlan } from '../../source/restore/preflight.ts';
import { RestoreApp, type RestoreServices } from '../../source/ui/restore/restore-app.tsx';
import { waitFor } from '../helpers/wait-for.ts';

afterEach(() => cleanup());

const now = Date.parse('2026-01-10T12:00:00Z');
const dump: DumpFile = {
  name: 'nightly.sql.gz',
  sizeBytes: 1_200_000_000,
  modifiedMs: now - 3_600_000,
  compressed: true,
};

/** A verifier that runs until its signal aborts (as the dump's read in the container does). */
function slowVerifier() {
  const seen: { signal?: AbortSignal; abortedAt?: number; ended: boolean } = { ended: false };
  const services: RestoreServices = {
    listDumps: async () => [dump],
    preflight: (_dump, onStatus, signal) => {
      seen.signal = signal;
      onStatus('reading the dump');
      return new Promise<RestorePlan>((_resolve, reject) => {
        signal.addEventListener(
          'abort',
          () => {
            seen.abortedAt = Date.now();
            seen.ended = true;
            reject(new Error('aborted'));
          },
          { once: true },
        );
      });
    },
    restoreJob: () => ({ title: 'Restore', steps: [] }),
    besideJob: () => ({ title: 'Restore beside', steps: [] }),
    startJob: () => ({ title: 'Start', steps: [] }),
  };
  return { services, seen };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 30));

describe('Esc during the dump check', () => {
  it('aborts the check (its signal) and goes back to the list; the screen signal stays unaborted', async () => {
    const { services, seen } = slowVerifier();
    const screen = new AbortController();
    const { lastFrame, stdin } = render(
      <RestoreApp services={services} now={now} controller={screen} onExit={() => {}} />,
    );
    await waitFor(() => lastFrame()?.includes('nightly.sql.gz') ?? false, 2000, 'the list');
    await tick();
    stdin.write('\r');
    await waitFor(() => (lastFrame() ?? '').includes('Checking nightly.sql.gz'), 2000, 'check');
    assert.ok(seen.signal, 'the verifier got a signal');
    assert.equal(seen.signal.aborted, false);
    stdin.write('\u001B');
    await waitFor(() => seen.ended, 2000, 'the check aborted');
    assert.equal(seen.signal.aborted, true);
    assert.equal(screen.signal.aborted, false, 'only the check is aborted, not the screen');
    await waitFor(() => (lastFrame() ?? '').includes('pick a dump'), 2000, 'back at the list');
    assert.doesNotMatch(lastFrame() ?? '', /Refused/, 'an aborted check is not a refusal');
  });

  it('Ctrl-C during the check aborts it too and ends the screen', async () => {
    const { services, seen } = slowVerifier();
    const screen = new AbortController();
    let exitCode: number | undefined;
    const { lastFrame, stdin } = render(
      <RestoreApp
        services={services}
        now={now}
        controller={screen}
        onExit={(code) => {
          exitCode = code;
        }}
      />,
    );
    await waitFor(() => lastFrame()?.includes('nightly.sql.gz') ?? false, 2000, 'the list');
    await tick();
    stdin.write('\r');
    await waitFor(() => seen.signal !== undefined, 2000, 'check');
    stdin.write('\u0003');
    await waitFor(() => seen.ended, 2000, 'the check aborted');
    await waitFor(() => exitCode !== undefined, 2000, 'exit');
    assert.equal(exitCode, 130);
  });
});
