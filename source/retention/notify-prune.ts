import os from 'node:os';
import { messageOf } from '../errors.ts';
import { httpRequest } from '../http/http-request.ts';
import { redactSecrets } from '../secrets/redact.ts';

export type PruneFailure = { error: string; rule?: string; exitCode: number };

/**
 * POSTs `{"event": "prune.failure", host, at, error, rule?, exitCode}` to retention.webhooks.failure
 * (never to the backup's URLs: a failed prune must not look like a failed backup). Never throws;
 * returns one log line, or undefined when no URL is configured.
 */
export async function notifyPruneFailure(
  url: string | undefined,
  failure: PruneFailure,
  options: { now?: number; signal?: AbortSignal } = {},
): Promise<string | undefined> {
  const now = options.now ?? Date.now();
  if (!url) return undefined;
  let target = 'invalid URL';
  try {
    target = new URL(url).origin;
    const response = await httpRequest(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'ovena' },
      body: JSON.stringify({
        event: 'prune.failure',
        host: os.hostname(),
        at: new Date(now).toISOString(),
        error: redactSecrets(failure.error),
        ...(failure.rule ? { rule: failure.rule } : {}),
        exitCode: failure.exitCode,
      }),
      timeoutMs: 5000,
      discardBody: true,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    return `webhook prune.failure: ${target} answered HTTP ${response.status}${response.ok ? '' : ' (ignored)'}`;
  } catch (error) {
    const detail =
      error instanceof Error && error.name === 'TimeoutError' ? 'timed out' : messageOf(error);
    return `webhook prune.failure: ${target} not reached (${redactSecrets(detail)})`;
  }
}
