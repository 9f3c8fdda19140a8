import http from 'node:http';
import https from 'node:https';

/**
 * A small HTTP client on node:http. Not `fetch`: its first request compiles undici's WebAssembly
 * parser, which costs ovena ~35 MB of resident memory (measured: `ovena status` 98 MB with fetch).
 */
export type HttpResult = { status: number; ok: boolean; body: Buffer };

export type HttpRequestOptions = {
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
  timeoutMs?: number;
  /** Read and drop the body (e.g. a DICOM file read only to prove it is there). */
  discardBody?: boolean;
  maxRedirects?: number;
};

export class HttpTimeoutError extends Error {
  constructor(url: string, ms: number) {
    super(`no answer from ${url} within ${ms} ms`);
    this.name = 'TimeoutError';
  }
}

/**
 * Whether a redirect may be followed: only within the same origin (scheme, host and port). A
 * redirect elsewhere could carry the body (a webhook's JSON) to a host nobody configured, and one
 * from https to http would send it in clear text.
 */
export function mayFollowRedirect(from: URL, to: URL): boolean {
  // The scheme is part of the origin: https → http is never followed, nor any other change.
  return from.origin === to.origin;
}

/** A request; redirects are followed only within the origin (else the 3xx is the answer). */
export async function httpRequest(
  url: string,
  options: HttpRequestOptions = {},
): Promise<HttpResult> {
  let current = new URL(url);
  let method = options.method ?? 'GET';
  let body = options.body;
  for (let redirects = 0; ; redirects++) {
    const result = await requestOnce(current, {
      ...options,
      method,
      ...(body === undefined ? {} : { body }),
    });
    const location = result.location;
    const next = location ? new URL(location, current) : undefined;
    if (
      next &&
      [301, 302, 303, 307, 308].includes(result.status) &&
      redirects < (options.maxRedirects ?? 5) &&
      mayFollowRedirect(current, next)
    ) {
      current = next;
      if (
        result.status === 303 ||
        ((result.status === 301 || result.status === 302) && method === 'POST')
      ) {
        method = 'GET';
        body = undefined;
      }
      continue;
    }
    return {
      status: result.status,
      ok: result.status >= 200 && result.status < 300,
      body: result.body,
    };
  }
}

function requestOnce(
  url: URL,
  options: HttpRequestOptions & { method: 'GET' | 'POST' },
): Promise<{ status: number; body: Buffer; location: string | undefined }> {
  return new Promise((resolve, reject) => {
    options.signal?.throwIfAborted();
    const client = url.protocol === 'https:' ? https : http;
    const headers: Record<string, string> = { ...options.headers };
    if (options.body !== undefined)
      headers['content-length'] = String(Buffer.byteLength(options.body));
    const request = client.request(url, { method: options.method, headers, agent: false });
    const timeoutMs = options.timeoutMs ?? 5000;
    const timer = setTimeout(
      () => request.destroy(new HttpTimeoutError(url.origin, timeoutMs)),
      timeoutMs,
    );
    const onAbort = () =>
      request.destroy(
        options.signal?.reason instanceof Error ? options.signal.reason : new Error('aborted'),
      );
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const finish = () => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
    };
    request.on('error', (error) => {
      finish();
      reject(error);
    });
    request.on('response', (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => {
        if (!options.discardBody) chunks.push(chunk);
      });
      response.on('error', (error) => {
        finish();
        reject(error);
      });
      response.on('end', () => {
        finish();
        resolve({
          status: response.statusCode ?? 0,
          body: Buffer.concat(chunks),
          location: response.headers.location,
        });
      });
    });
    request.end(options.body);
  });
}
