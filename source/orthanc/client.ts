import { OvenaError } from '../errors.ts';
import { type HttpResult, httpRequest } from '../http/http-request.ts';

/** Orthanc's REST API over HTTP from the host; read-only calls used for health and verdicts. */
export type OrthancStatistics = {
  CountPatients: number;
  CountStudies: number;
  CountSeries: number;
  CountInstances: number;
  TotalDiskSizeMB?: number;
};

export type OrthancSystem = {
  Version: string;
  DatabaseBackendPlugin?: string | null;
  DatabaseVersion?: number;
  Name?: string;
};

export class OrthancClient {
  constructor(readonly baseUrl: string) {}

  async getJson<T>(
    path: string,
    options: { signal?: AbortSignal; timeoutMs?: number } = {},
  ): Promise<T> {
    const response = await this.get(path, options);
    return JSON.parse(response.body.toString('utf8')) as T;
  }

  async get(
    path: string,
    options: { signal?: AbortSignal; timeoutMs?: number; discardBody?: boolean } = {},
  ): Promise<HttpResult> {
    let response: HttpResult;
    try {
      response = await httpRequest(`${this.baseUrl}${path}`, {
        timeoutMs: options.timeoutMs ?? 5000,
        ...(options.signal ? { signal: options.signal } : {}),
        ...(options.discardBody ? { discardBody: true } : {}),
      });
    } catch (error) {
      options.signal?.throwIfAborted();
      throw new OvenaError(
        `Orthanc does not answer at ${this.baseUrl}${path} (${(error as Error).message})`,
      );
    }
    if (!response.ok) throw new OvenaError(`Orthanc answered HTTP ${response.status} for ${path}`);
    return response;
  }

  system(signal?: AbortSignal): Promise<OrthancSystem> {
    return this.getJson<OrthancSystem>('/system', { ...(signal ? { signal } : {}) });
  }

  statistics(signal?: AbortSignal): Promise<OrthancStatistics> {
    return this.getJson<OrthancStatistics>('/statistics', { ...(signal ? { signal } : {}) });
  }
}
