import os from 'node:os';
import { messageOf } from '../errors.ts';
import { httpRequest } from '../http/http-request.ts';
import { redactSecrets } from '../secrets/redact.ts';
import { webhookTarget } from '../webhooks/notify-backup.ts';
import type { HistoryEntry } from './history-file.ts';

/** The body POSTed to `anomaly.webhook`: the run and every rule it broke, with the numbers. */
export type AnomalyPayload = {
  event: 'backup.anomaly';
  host: string;
  at: string;
  file?: string;
  sizeBytes?: number;
  durationMs: number;
  instances?: number;
  tables?: number;
  reasons: Array<{
    rule: string;
    value: number;
    baseline: number;
    threshold: number;
    text: string;
  }>;
};

export function anomalyPayload(entry: HistoryEntry): AnomalyPayload {
  return {
    event: 'backup.anomaly',
    host: os.hostname(),
    at: entry.at,
    ...(entry.file === undefined ? {} : { file: entry.file }),
    ...(entry.bytes === undefined ? {} : { sizeBytes: entry.bytes }),
    durationMs: entry.durationMs,
    ...(entry.instances === undefined ? {} : { instances: entry.instances }),
    ...(entry.tables === undefined ? {} : { tables: entry.tables }),
    reasons: (entry.anomaly ?? []).map(({ rule, value, baseline, threshold, text }) => ({
      rule,
      value,
      baseline,
      threshold,
      text,
    })),
  };
}

/**
 * POSTs the anomaly to its own webhook. Never throws, never waits longer than the timeout;
 * returns the one log line to print.
 */
export async function notifyAnomaly(
  url: string | undefined,
  entry: HistoryEntry,
  options: { timeoutMs?: number } = {},
): Promise<string | undefined> {
  if (!url) return undefined;
  const target = webhookTarget(url);
  try {
    const response = await httpRequest(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'ovena' },
      body: JSON.stringify(anomalyPayload(entry)),
      timeoutMs: options.timeoutMs ?? 5000,
      discardBody: true,
    });
    return `webhook anomaly: ${target} answered HTTP ${response.status}${response.ok ? '' : ' (ignored)'}`;
  } catch (error) {
    const cause = (error as { cause?: unknown }).cause;
    const detail =
      error instanceof Error && error.name === 'TimeoutError'
        ? 'timed out'
        : messageOf(cause ?? error);
    return `webhook anomaly: ${target} not reached (${redactSecrets(detail)})`;
  }
}
