// A separate process that takes the host lock, says whether it got it, holds it, and releases it.
// Usage: node --import tsx test/helpers/lock-taker.ts STATE_DIR KIND HOLD_MS GO_AT_MS
import { acquireLock } from '../../source/lock/host-lock.ts';
import type { LockKind } from '../../source/lock/lock-table.ts';

const [stateDir = '', kind = 'backup', holdMs = '0', goAt = '0'] = process.argv.slice(2);
// Both takers start at the same instant, whatever their start-up time was.
await new Promise((resolve) => setTimeout(resolve, Math.max(0, Number(goAt) - Date.now())));
try {
  const lock = await acquireLock(stateDir, kind as LockKind);
  process.stdout.write('got\n');
  await new Promise((resolve) => setTimeout(resolve, Number(holdMs)));
  await lock.release();
} catch (error) {
  process.stdout.write(`busy: ${(error as Error).message}\n`);
}
