import os from 'node:os';
import { messageOf } from '../errors.ts';
import { httpRequest } from '../http/http-request.ts';
import { redactSecrets } from '../secrets/redact.ts';
import type { Settings, WebhookEvent } from '../settings/settings.ts';
import { type NotifyResult, webhookTarget } from './notify-backup.ts';

/** What a drill tells its webhooks: never a password or a path, never the backup's URLs. */
export type DrillEventDetails = {
  dump?: string;
  dumpBytes?: number;
  loadSeconds?: number;
  rtoSeconds?: number;
  instances?: number;
  error?: string;
};

/** POSTs `drill.start|success|failure` to `drill.webhooks.*`; never throws, 5 s at most. */
export async function notifyDrill(
  settings: Pick<Settings, 'drill'>,
  event: WebhookEvent,
  details: DrillEventDetails = {},
): Promise<NotifyResult> {
  const url = settings.drill?.webhooks[event];
  if (!url) return { sent: false, reason: 'not-configured' };
  const target = webhookTarget(url);
  const payload = {
    event: `drill.${event}`,
    host: os.hostname(),
    at: new Date().toISOString(),
    ...details,
    ...(details.error === undefined ? {} : { error: redactSecrets(details.error) }),
  };
  try {
    const response = await httpRequest(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'ovena' },
      body: JSON.stringify(payload),
      timeoutMs: 5000,
      discardBody: true,
    });
    return { sent: true, status: response.status, ok: response.ok, target };
  } catch (error) {
    const cause = (error as { cause?: unknown }).cause;
    const detail =
      error instanceof Error && error.name === 'TimeoutError'
        ? 'timed out'
        : messageOf(cause ?? error);
    return { sent: false, reason: 'error', error: redactSecrets(detail), target };
  }
}
