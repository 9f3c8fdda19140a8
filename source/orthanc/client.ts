import { OvenaError } from '../errors.ts';

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
    return (await response.json()) as T;
  }

  async get(
    path: string,
    options: { signal?: AbortSignal; timeoutMs?: number } = {},
  ): Promise<Response> {
    const timeout = AbortSignal.timeout(options.timeoutMs ?? 5000);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}${path}`, { signal });
    } catch (error) {
      options.signal?.throwIfAborted();
      throw new OvenaError(
        `Orthanc does not answer at ${this.baseUrl}${path} (${(error as Error).cause ?? (error as Error).message})`,
      );
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw new OvenaError(`Orthanc answered HTTP ${response.status} for ${path}`);
    }
    return response;
  }

  system(signal?: AbortSignal): Promise<OrthancSystem> {
    return this.getJson<OrthancSystem>('/system', { ...(signal ? { signal } : {}) });
  }

  statistics(signal?: AbortSignal): Promise<OrthancStatistics> {
    return this.getJson<OrthancStatistics>('/statistics', { ...(signal ? { signal } : {}) });
  }
}
