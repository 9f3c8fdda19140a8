import { ExitCode, OvenaError } from '../errors.ts';
import { isSecretVariable, passwordOptionValues } from '../secrets/password-options.ts';

/** The parts of `compose config` output ovena reads. Values are already interpolated by compose. */
export type ServiceModel = {
  image?: string;
  environment: Record<string, string>;
  ports: Array<{ target: number; published: number | undefined; hostIp: string | undefined }>;
  volumes: Array<{ type: string; source: string | undefined; target: string }>;
  networkMode?: string;
};

export type VolumeModel = {
  driver?: string;
  driverOpts: Record<string, string>;
  external?: boolean;
  name?: string;
};

export type ComposeModel = {
  /** The project's name, as compose v2's `config` prints it (v1 does not). */
  projectName?: string;
  services: Record<string, ServiceModel>;
  volumes: Record<string, VolumeModel>;
};

export type ProjectInfo = {
  dbService: string;
  orthancService: string;
  dbUser: string;
  dbName: string;
  /** Orthanc's HTTP address as seen from this host. */
  orthancUrl: string;
};

type Loose = Record<string, unknown>;

function asRecord(value: unknown): Loose {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Loose)
    : {};
}

/** `environment` is a map in compose's normalised output, a list of KEY=VALUE in some versions. */
export function environmentOf(value: unknown): Record<string, string> {
  const result: Record<string, string> = {};
  if (Array.isArray(value)) {
    for (const entry of value) {
      const text = String(entry);
      const equals = text.indexOf('=');
      if (equals > 0) result[text.slice(0, equals)] = text.slice(equals + 1);
    }
    return result;
  }
  for (const [key, entry] of Object.entries(asRecord(value))) {
    if (entry !== null && entry !== undefined) result[key] = String(entry);
  }
  return result;
}

function portsOf(value: unknown): ServiceModel['ports'] {
  if (!Array.isArray(value)) return [];
  return value.map((entry) => {
    if (typeof entry === 'string' || typeof entry === 'number') {
      // "127.0.0.1:8042:8042", "8042:8042", "8042"
      const parts = String(entry).split('/')[0]?.split(':') ?? [];
      const target = Number(parts.at(-1));
      const published = parts.length >= 2 ? Number(parts.at(-2)) : undefined;
      const hostIp = parts.length >= 3 ? parts.slice(0, -2).join(':') : undefined;
      return { target, published, hostIp };
    }
    const record = asRecord(entry);
    const published = record.published === undefined ? undefined : Number(record.published);
    return {
      target: Number(record.target),
      published,
      hostIp: typeof record.host_ip === 'string' ? record.host_ip : undefined,
    };
  });
}

function volumesOf(value: unknown): ServiceModel['volumes'] {
  if (!Array.isArray(value)) return [];
  return value.map((entry) => {
    if (typeof entry === 'string') {
      const [source, target] = entry.split(':');
      return target === undefined
        ? { type: 'volume', source: undefined, target: source ?? '' }
        : {
            type: source?.startsWith('/') || source?.startsWith('.') ? 'bind' : 'volume',
            source,
            target,
          };
    }
    const record = asRecord(entry);
    return {
      type: String(record.type ?? 'volume'),
      source: typeof record.source === 'string' ? record.source : undefined,
      target: String(record.target ?? ''),
    };
  });
}

export function modelFromConfig(config: unknown): ComposeModel {
  const root = asRecord(config);
  const services: Record<string, ServiceModel> = {};
  for (const [name, raw] of Object.entries(asRecord(root.services))) {
    const service = asRecord(raw);
    services[name] = {
      ...(typeof service.image === 'string' ? { image: service.image } : {}),
      environment: environmentOf(service.environment),
      ports: portsOf(service.ports),
      volumes: volumesOf(service.volumes),
      ...(typeof service.network_mode === 'string' ? { networkMode: service.network_mode } : {}),
    };
  }
  const volumes: Record<string, VolumeModel> = {};
  for (const [name, raw] of Object.entries(asRecord(root.volumes))) {
    const volume = asRecord(raw);
    volumes[name] = {
      ...(typeof volume.driver === 'string' ? { driver: volume.driver } : {}),
      driverOpts: environmentOf(volume.driver_opts),
      ...(volume.external === true || asRecord(volume.external).name !== undefined
        ? { external: true }
        : {}),
      ...(typeof volume.name === 'string' ? { name: volume.name } : {}),
    };
  }
  return {
    ...(typeof root.name === 'string' && root.name !== '' ? { projectName: root.name } : {}),
    services,
    volumes,
  };
}

/**
 * Service names default to `db` and `orthanc` (OVENA_DB_SERVICE / OVENA_ORTHANC_SERVICE move them);
 * the database user and name come from the db service's POSTGRES_USER / POSTGRES_DB, defaulting as
 * the official postgres image does.
 */
export function projectInfo(model: ComposeModel, env: NodeJS.ProcessEnv): ProjectInfo {
  const dbService = env.OVENA_DB_SERVICE ?? 'db';
  const orthancService = env.OVENA_ORTHANC_SERVICE ?? 'orthanc';
  const names = Object.keys(model.services);
  for (const service of [dbService, orthancService]) {
    if (!model.services[service]) {
      throw new OvenaError(
        `service "${service}" is not defined in the compose file (services: ${names.join(', ') || 'none'}): fix the file or set ${service === dbService ? 'OVENA_DB_SERVICE' : 'OVENA_ORTHANC_SERVICE'}`,
        ExitCode.serviceMissing,
      );
    }
  }
  const dbEnv = model.services[dbService]?.environment ?? {};
  const dbUser = dbEnv.POSTGRES_USER || 'postgres';
  const dbName = dbEnv.POSTGRES_DB || dbUser;
  return {
    dbService,
    orthancService,
    dbUser,
    dbName,
    orthancUrl: orthancUrlOf(model.services[orthancService], env),
  };
}

function orthancUrlOf(service: ServiceModel | undefined, env: NodeJS.ProcessEnv): string {
  if (env.OVENA_ORTHANC_URL) return env.OVENA_ORTHANC_URL.replace(/\/+$/, '');
  const httpPort = Number(service?.environment.ORTHANC__HTTP_PORT ?? 8042);
  if (service?.networkMode === 'host') return `http://127.0.0.1:${httpPort}`;
  const mapping = service?.ports.find(
    (port) => port.target === httpPort && port.published !== undefined,
  );
  if (mapping?.published !== undefined) {
    const host = !mapping.hostIp || mapping.hostIp === '0.0.0.0' ? '127.0.0.1' : mapping.hostIp;
    return `http://${host}:${mapping.published}`;
  }
  return 'http://127.0.0.1:8042';
}

/**
 * Every password the configuration holds, as the programs that may quote it print it: service
 * variables naming a password or secret, and mount-option values of keys naming a password, both
 * as written (`,,` escapes) and as the kernel receives them.
 */
export function secretsOf(model: ComposeModel): string[] {
  const secrets: string[] = [];
  for (const service of Object.values(model.services)) {
    for (const [key, value] of Object.entries(service.environment)) {
      if (isSecretVariable(key)) secrets.push(value);
    }
  }
  for (const volume of Object.values(model.volumes)) {
    const options = volume.driverOpts.o ?? '';
    for (const raw of passwordOptionValues(options)) secrets.push(raw, raw.replaceAll(',,', ','));
  }
  return secrets.filter((secret) => secret.length > 0);
}
