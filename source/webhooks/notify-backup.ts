import os from 'node:os';
import path from 'node:path';
import { messageOf } from '../errors.ts';
import { httpRequest } from '../http/http-request.ts';
import { redactSecrets } from '../secrets/redact.ts';
import type { Settings, WebhookEvent } from '../settings/settings.ts';

/** What a backup may tell a webhook. Only these fields are sent: never a password or a path. */
export type BackupEventDetails = {
  /** The dump's final file name (x.sql.gz); a path is cut to its last part. */
  file?: string;
  sizeBytes?: number;
  durationMs?: number;
  error?: string;
};

export type WebhookPayload = {
  event: `backup.${WebhookEvent}`;
  host: string;
  at: string;
  file?: string;
  sizeBytes?: number;
  durationMs?: number;
  error?: string;
};

export type NotifyResult =
  | { sent: false; reason: 'not-configured' }
  | { sent: true; status: number; ok: boolean; target: string }
  | { sent: false; reason: 'error'; error: string; target: string };

export type NotifyOptions = {
  /** A dead-man's-switch ping must never hold up a backup. */
  timeoutMs?: number;
  now?: () => number;
  /** The run's signal: SIGINT, SIGTERM or SIGHUP ends the request at once. */
  signal?: AbortSignal;
};

/** The URL as shown in a log line: scheme and host only, since paths often carry a token. */
export function webhookTarget(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return 'invalid URL';
  }
}

export function webhookPayload(
  event: WebhookEvent,
  details: BackupEventDetails,
  at: number,
): WebhookPayload {
  const payload: WebhookPayload = {
    event: `backup.${event}`,
    host: os.hostname(),
    at: new Date(at).toISOString(),
  };
  if (details.file !== undefined) payload.file = path.posix.basename(details.file);
  if (details.sizeBytes !== undefined) payload.sizeBytes = details.sizeBytes;
  if (details.durationMs !== undefined) payload.durationMs = details.durationMs;
  if (details.error !== undefined) payload.error = redactSecrets(details.error);
  return payload;
}

/**
 * POSTs the backup event as JSON to the URL configured for it. Never throws and never waits
 * longer than the timeout: a failing monitoring service must not fail the backup.
 */
export async function notifyBackup(
  settings: Pick<Settings, 'webhooks'>,
  event: WebhookEvent,
  details: BackupEventDetails = {},
  options: NotifyOptions = {},
): Promise<NotifyResult> {
  const url = settings.webhooks[event];
  if (!url) return { sent: false, reason: 'not-configured' };
  const target = webhookTarget(url);
  try {
    const payload = webhookPayload(event, details, (options.now ?? Date.now)());
    const response = await httpRequest(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'ovena' },
      body: JSON.stringify(payload),
      timeoutMs: options.timeoutMs ?? 5000,
      discardBody: true,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    return { sent: true, status: response.status, ok: response.ok, target };
  } catch (error) {
    const cause = (error as { cause?: unknown }).cause;
    const detail =
      error instanceof Error && error.name === 'TimeoutError'
        ? 'timed out'
        : options.signal?.aborted
          ? `interrupted by ${String(options.signal.reason)}`
          : messageOf(cause ?? error);
    return { sent: false, reason: 'error', error: redactSecrets(detail), target };
  }
}

/** One log line for the backup's log, e.g. "webhook success: http://mon:8080 answered 200". */
export function describeNotify(event: WebhookEvent, result: NotifyResult): string | undefined {
  if (!result.sent && result.reason === 'not-configured') return undefined;
  if (result.sent) {
    return `webhook ${event}: ${result.target} answered HTTP ${result.status}${result.ok ? '' : ' (ignored)'}`;
  }
  return `webhook ${event}: ${result.target} not reached (${result.error}); the backup goes on`;
}
