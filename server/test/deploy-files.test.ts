// The deploy files as their tools read them (no hadolint or Docker here): the Dockerfile's final stage runs the
// compiled server with node as a non-root user and checks /api/v1/health; railway.json starts, migrates and
// checks the same; docker-compose.yml migrates with DATABASE_URL alone and runs two instances on one PostgreSQL 16
// and one Redis 7 behind a proxy configured for server-sent events.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { loadConfig, loadDatabaseConfig } from '../src/config/env.js';
import { CONTAINER_PROCESS_ENV, REPO_ROOT } from './support/process.js';

const read = (path: string) => readFileSync(join(REPO_ROOT, path), 'utf8');

interface Instruction {
  keyword: string;
  args: string;
}

/** Dockerfile instructions in order: comments dropped, continuation lines joined. */
function parseDockerfile(text: string): Instruction[] {
  const lines = text.split('\n').filter((line) => !/^\s*#/.test(line));
  const joined = lines.join('\n').replace(/\\\n/g, ' ');
  return joined
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const [keyword = '', ...rest] = line.split(/\s+/);
      return { keyword: keyword.toUpperCase(), args: rest.join(' ') };
    });
}

/** The instructions of each stage, by its name (`AS name`). */
function stages(instructions: Instruction[]): Map<string, Instruction[]> {
  const byName = new Map<string, Instruction[]>();
  let current: Instruction[] = [];
  for (const instruction of instructions) {
    if (instruction.keyword === 'FROM') {
      current = [instruction];
      byName.set(/\bAS\s+(\S+)/i.exec(instruction.args)?.[1] ?? `stage${byName.size}`, current);
    } else current.push(instruction);
  }
  return byName;
}

const dockerfile = parseDockerfile(read('Dockerfile'));
const byStage = stages(dockerfile);
const runtime = [...byStage.values()].at(-1)!;
const last = (keyword: string) => runtime.filter((instruction) => instruction.keyword === keyword).at(-1);
const execForm = (instruction: Instruction | undefined) => JSON.parse(instruction?.args ?? 'null') as string[];
const serverPackage = JSON.parse(read('server/package.json')) as {
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
};

/** The packages server/src loads at run time (type-only imports aside), by name. */
function packagesTheServerImports(): Set<string> {
  const names = new Set<string>();
  const files = readdirSync(join(REPO_ROOT, 'server/src'), { recursive: true, encoding: 'utf8' }).filter((file) =>
    file.endsWith('.ts'),
  );
  for (const file of files) {
    const source = read(join('server/src', file));
    for (const [, specifier = ''] of source.matchAll(/^(?:import|export)(?!\s+type\b)[^'"]*?from\s+'([^'.][^']*)'/gm)) {
      if (specifier.startsWith('node:')) continue;
      const parts = specifier.split('/');
      names.add(specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? specifier));
    }
  }
  return names;
}
const rootPackage = JSON.parse(read('package.json')) as { engines: { node: string } };
const nodeMajor = Number(/(\d+)/.exec(rootPackage.engines.node)?.[1]);
/** What the image's ENV instructions set. */
const imageEnv: Record<string, string> = Object.fromEntries(
  runtime
    .filter((instruction) => instruction.keyword === 'ENV')
    .flatMap((instruction) => instruction.args.split(/\s+/))
    .map((pair) => pair.split('='))
    .filter((pair) => pair.length === 2),
);

describe('the Dockerfile', () => {
  it('is multi-stage, every stage on the Node major the engines ask for', () => {
    expect(byStage.size).toBeGreaterThanOrEqual(2);
    for (const [name, [from]] of byStage) {
      expect(from?.args, name).toMatch(new RegExp(`^node:${nodeMajor}[-.]`));
    }
  });

  it('runs the compiled server with node, as a non-root user, from the build stage', () => {
    const user = last('USER')?.args;
    expect(user).toBeDefined();
    expect(['root', '0']).not.toContain(user);
    // USER comes before the command, so the server never runs as root.
    expect(runtime.findIndex((i) => i.keyword === 'USER')).toBeLessThan(runtime.findIndex((i) => i.keyword === 'CMD'));
    const workdir = last('WORKDIR')?.args;
    const command = execForm(last('CMD'));
    expect(command[0]).toBe('node');
    expect(`${workdir}/${command[1]}`).toBe('/app/server/dist/server.js');
    expect(`node ${command[1]}`).toBe(serverPackage.scripts['start:prod']);
    expect(runtime.some((i) => i.keyword === 'COPY' && /--from=build\s+\/app\/server\/dist\s/.test(i.args))).toBe(true);
    expect(runtime.map((i) => i.args).join('\n')).not.toMatch(/\btsx\b/);
  });

  it('sets the process environment the benches run the server with', () => {
    for (const [name, value] of Object.entries(CONTAINER_PROCESS_ENV)) expect(imageEnv[name], name).toBe(value);
  });

  it('installs production dependencies only for what runs', () => {
    const installs = [...byStage.values()]
      .flat()
      .filter((i) => i.keyword === 'RUN' && /\bnpm ci\b/.test(i.args))
      .map((i) => i.args);
    const copiedNodeModules = /--from=(\S+)\s+\/app\/node_modules/.exec(
      runtime.find((i) => i.keyword === 'COPY' && i.args.includes('node_modules'))?.args ?? '',
    )?.[1];
    const stage = byStage.get(copiedNodeModules ?? '') ?? [];
    expect(stage.some((i) => i.keyword === 'RUN' && /npm ci .*--omit=dev/.test(i.args))).toBe(true);
    expect(installs.every((args) => args.includes('--ignore-scripts'))).toBe(true);
  });

  it('installs every package the server loads: the image has the server workspace’s dependencies alone', () => {
    const imported = packagesTheServerImports();
    expect(imported.has('fastify')).toBe(true);
    expect([...imported].filter((name) => !(name in serverPackage.dependencies))).toEqual([]);
  });

  it('checks the health route, and keeps secrets and build output out of the context', () => {
    expect(last('HEALTHCHECK')?.args).toContain('/api/v1/health');
    const ignored = read('.dockerignore').split('\n');
    for (const entry of ['**/node_modules', '.env', '.env.*', '.git']) expect(ignored).toContain(entry);
  });
});

describe('railway.json', () => {
  const railway = JSON.parse(read('railway.json')) as {
    build: { builder: string; dockerfilePath: string };
    deploy: Record<string, unknown>;
  };

  it('builds the Dockerfile and starts the same compiled server', () => {
    expect(railway.build).toMatchObject({ builder: 'DOCKERFILE', dockerfilePath: 'Dockerfile' });
    expect(railway.deploy.startCommand).toBe(execForm(last('CMD')).join(' '));
  });

  it('migrates before each deploy with a script the image has, checks health and restarts on failure', () => {
    const [command] = railway.deploy.preDeployCommand as string[];
    const script = /^npm run (\S+)$/.exec(command ?? '')?.[1] ?? '';
    expect(serverPackage.scripts[script]).toBe('node dist/db/migrate-cli.js');
    expect(existsSync(join(REPO_ROOT, 'server/src/db/migrate-cli.ts'))).toBe(true);
    expect(railway.deploy).toMatchObject({ healthcheckPath: '/api/v1/health', restartPolicyType: 'ON_FAILURE' });
  });
});

describe('docker-compose.yml', () => {
  interface Service {
    image?: string;
    build?: unknown;
    command?: string[];
    environment?: Record<string, string>;
    depends_on?: Record<string, { condition: string }>;
    volumes?: string[];
  }
  const compose = parseYaml(read('docker-compose.yml'), { merge: true }) as { services: Record<string, Service> };
  const { services } = compose;
  const instances = Object.entries(services).filter(([, service]) => service.environment?.INSTANCE_ID);

  it('runs PostgreSQL 16 and Redis 7, and migrates before the servers start', () => {
    expect(services.postgres?.image).toMatch(/^postgres:16/);
    expect(services.redis?.image).toMatch(/^redis:7/);
    expect(services.migrate?.command).toEqual(['npm', 'run', 'db:migrate:prod']);
  });

  it('gives the migrations what db:migrate reads, which would not start a server on the image', () => {
    const env = { ...imageEnv, ...services.migrate?.environment };
    expect(loadDatabaseConfig(env).databaseUrl).toMatch(/@postgres:5432\//);
    // The server itself, on the image's HOST and with no sign-in configured, refuses to start.
    expect(() => loadConfig(env)).toThrow(/AUTH_ISSUER is unset/);
  });

  it('runs two server instances of the image on the same database and Redis', () => {
    expect(instances).toHaveLength(2);
    const ids = instances.map(([, service]) => service.environment?.INSTANCE_ID);
    expect(new Set(ids).size).toBe(2);
    for (const [name, service] of instances) {
      expect(service.build, name).toBe('.');
      expect(service.environment?.DATABASE_URL).toMatch(/@postgres:5432\//);
      expect(service.environment?.REDIS_URL).toBe('redis://redis:6379');
      expect(service.depends_on?.migrate?.condition).toBe('service_completed_successfully');
    }
  });

  it("passes the instances Clerk's variables, the desktop app's OAuth client id among them", () => {
    for (const [name, service] of instances) {
      for (const variable of [
        'CLERK_PUBLISHABLE_KEY',
        'AUTH_ISSUER',
        'AUTH_AUTHORIZED_PARTIES',
        'AUTH_OAUTH_CLIENT_ID',
      ]) {
        expect(service.environment?.[variable], `${name} ${variable}`).toBe(`\${${variable}:-}`);
      }
    }
  });

  it('puts them behind a proxy that passes events on unbuffered, with long read timeouts', () => {
    const mount = services.proxy?.volumes?.find((volume) => volume.includes('nginx.conf'));
    const config = read(mount?.split(':')[0] ?? 'missing');
    for (const [name] of instances) expect(config).toMatch(new RegExp(`server ${name}:3001\\b`));
    expect(config).toMatch(/proxy_buffering off;/);
    expect(config).toMatch(/proxy_http_version 1\.1;/);
    // The longest answer (the stream deadline) is 15 minutes.
    const timeout = /proxy_read_timeout (\d+)([smh]);/.exec(config);
    const seconds = Number(timeout?.[1]) * ({ s: 1, m: 60, h: 3_600 }[timeout?.[2] as 's' | 'm' | 'h'] ?? 0);
    expect(seconds).toBeGreaterThanOrEqual(15 * 60);
  });
});
