import http from 'node:http';
import { OvenaError } from '../errors.ts';

/**
 * The two writes reconcile makes to Orthanc: POST /instances (a DICOM file) and
 * DELETE /instances/{id}. Keep-alive connections for a whole batch, at most `maxSockets` at once
 * (reconcile posts a few files at a time).
 */
export type IngestAnswer = { status: 'Success' | 'AlreadyStored'; instanceId: string };

export class OrthancWriter {
  private readonly agent: http.Agent;

  constructor(
    readonly baseUrl: string,
    maxSockets = 1,
  ) {
    this.agent = new http.Agent({ keepAlive: true, maxSockets });
  }

  private request(
    method: 'POST' | 'DELETE',
    path: string,
    body: Uint8Array | undefined,
    signal: AbortSignal | undefined,
  ): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      signal?.throwIfAborted();
      const url = new URL(`${this.baseUrl}${path}`);
      const request = http.request(url, {
        method,
        agent: this.agent,
        headers: body
          ? { 'content-type': 'application/dicom', 'content-length': String(body.byteLength) }
          : {},
        ...(signal ? { signal } : {}),
      });
      const timer = setTimeout(
        () => request.destroy(new Error(`no answer from Orthanc within 120 s (${method} ${path})`)),
        120_000,
      );
      request.on('response', (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          clearTimeout(timer);
          resolve({
            status: response.statusCode ?? 0,
            body: Buffer.concat(chunks).toString('utf8'),
          });
        });
        response.on('error', reject);
      });
      request.on('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      request.end(body ? Buffer.from(body.buffer, body.byteOffset, body.byteLength) : undefined);
    });
  }

  /** Posts one DICOM file; resolves only on Success or AlreadyStored. */
  async postInstance(dicom: Uint8Array, signal?: AbortSignal): Promise<IngestAnswer> {
    const answer = await this.request('POST', '/instances', dicom, signal);
    let parsed: { Status?: string; ID?: string; Message?: string } = {};
    try {
      parsed = JSON.parse(answer.body) as typeof parsed;
    } catch {
      // not JSON: reported below with the HTTP status
    }
    if (
      answer.status === 200 &&
      (parsed.Status === 'Success' || parsed.Status === 'AlreadyStored')
    ) {
      return { status: parsed.Status, instanceId: parsed.ID ?? '' };
    }
    throw new OvenaError(
      `Orthanc refused the file (HTTP ${answer.status}${parsed.Status ? `, ${parsed.Status}` : ''}${parsed.Message ? `: ${parsed.Message}` : ''})`,
    );
  }

  /** Removes an instance from Orthanc's index; true when removed, false when it was already gone. */
  async deleteInstance(id: string, signal?: AbortSignal): Promise<boolean> {
    const answer = await this.request(
      'DELETE',
      `/instances/${encodeURIComponent(id)}`,
      undefined,
      signal,
    );
    if (answer.status === 404) return false;
    if (answer.status !== 200)
      throw new OvenaError(`Orthanc answered HTTP ${answer.status} deleting instance ${id}`);
    return true;
  }

  close(): void {
    this.agent.destroy();
  }
}
