import { randomBytes } from 'node:crypto';
import { createReadStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sharedDir } from '../../backend/src/engine/locations';
import { freePort } from '../../backend/test/cli/serve-process';
import { until } from '../../backend/test/cluster/cluster-processes';
import { twoPhraseRecall, writeTwoPhraseSpeech } from '../../backend/test/two-phrase-speech';
import { buildEarshotImage, containersConf, exec, IMAGE, imageId, PODMAN, podman, REPO } from './podman';

// compose.cluster.yaml as docs/cluster.md has a team try it, brought up by podman-compose (Debian's):
// Redis, three workers of the image this checkout builds, HAProxy with the shipped config. Where no
// registry can be reached, the Redis and HAProxy images it names are stand-ins made from Debian's
// packages (registry-stand-ins.sh). What the file is given besides its own settings: the image's
// tiny-en model and Silero VAD from the provided data (no model can be downloaded here).

const PROJECT = `earshot-compose-${randomBytes(4).toString('hex')}`;
const WORKERS = ['worker1', 'worker2', 'worker3'];
const LABEL = `label=io.podman.compose.project=${PROJECT}`;

let dir: string;
let env: NodeJS.ProcessEnv;
let override: string;
let url: string;
let key: string;
let speech: string;
/** The transcript of `speech` a worker gave over /v1/audio/transcriptions. */
let heard: string;

const compose = (args: string[]) =>
  exec('podman-compose', ['-p', PROJECT, '-f', 'compose.cluster.yaml', '-f', override, ...args], {
    cwd: REPO,
    env,
    maxBuffer: 16 * 1024 * 1024,
  });

/** The container a service of this project runs in. */
async function container(service: string): Promise<string> {
  const filter = ['--filter', LABEL, '--filter', `label=com.docker.compose.service=${service}`];
  const { stdout } = await podman(['ps', '-a', '--quiet', ...filter], env);
  const id = stdout.trim();
  if (!id || id.includes('\n')) throw new Error(`no single container for ${service}: "${id}"`);
  return id;
}

const inspect = async (service: string, format: string) =>
  (await podman(['inspect', '--format', format, await container(service)], env)).stdout.trim();

/** The last lines each service logged, to say why the cluster did not come up. */
async function logs(): Promise<string> {
  const parts: string[] = [];
  for (const service of ['redis', ...WORKERS, 'haproxy']) {
    const text = await container(service)
      .then((id) => podman(['logs', '--tail', '15', id], env))
      .then((r) => r.stdout + r.stderr)
      .catch((error: Error) => error.message);
    parts.push(`--- ${service}\n${text}`);
  }
  return parts.join('\n');
}

/** Requests through HAProxy until every worker has answered one: the workers that answered `path`. */
async function answeredBy(path: string, status: number, timeoutMs: number): Promise<Set<string>> {
  const seen = new Set<string>();
  await until(
    async () => {
      const response = await fetch(`${url}${path}`);
      const worker = response.headers.get('x-earshot-worker');
      if (response.status === status && worker) seen.add(worker);
      return seen.size === WORKERS.length;
    },
    `all three workers to answer ${path} with ${status} through HAProxy`,
    timeoutMs,
    250,
  ).catch(async (error: Error) => {
    throw new Error(`${error.message} (answered: ${[...seen].join(', ') || 'none'})\n${await logs()}`);
  });
  return seen;
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'earshot-compose-'));
  speech = writeTwoPhraseSpeech(dir);
  // The image the container test builds too; built once, the second build takes its layers from the cache.
  await buildEarshotImage();
  await exec('bash', ['deploy/test/registry-stand-ins.sh', ...PODMAN], { cwd: REPO });
  // By id: another build retagging IMAGE meanwhile does not change what runs.
  const image = await imageId(IMAGE);
  override = path.join(dir, 'compose.test.yaml');
  const worker = {
    image,
    environment: { EARSHOT_SHARED_DIR: '/srv/earshot-shared' },
    volumes: [`${sharedDir()}:/srv/earshot-shared:ro`],
  };
  writeFileSync(override, JSON.stringify({ services: Object.fromEntries(WORKERS.map((w) => [w, worker])) }));
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  env = {
    ...process.env,
    CONTAINERS_CONF: containersConf(dir),
    EARSHOT_MODEL: 'tiny-en',
    EARSHOT_PUBLIC_HOST: `127.0.0.1:${port}`,
    EARSHOT_PROXY_PUBLISH: `127.0.0.1:${port}`,
  };
  await compose(['up', '-d']);
  // As compose.cluster.yaml's header shows it; the key is the command's one line that is a key.
  const added = await compose([
    'run',
    '-T',
    '--rm',
    'worker1',
    'keys',
    'add',
    'ci',
    '--redis',
    'redis://redis:6379',
  ]);
  key = added.stdout.match(/^es-[\w-]+$/m)?.[0] ?? '';
  expect(key, added.stdout + added.stderr).not.toBe('');
}, 20 * 60_000);

afterAll(async () => {
  if (override) {
    await compose(['down', '--volumes', '--timeout', '5']).catch(() => {});
    // What down leaves (podman-compose 1.0.3 keeps the network) or a failed start left behind.
    for (const [kind, remove] of [
      ['container', ['rm', '--force', '--time', '5']],
      ['volume', ['volume', 'rm', '--force']],
      ['network', ['network', 'rm', '--force']],
    ] as const) {
      const list = kind === 'container' ? ['ps', '-a'] : [kind, 'ls'];
      const { stdout } = await podman([...list, '--quiet', '--filter', LABEL], env).catch(() => ({
        stdout: '',
      }));
      const ids = stdout.split('\n').filter(Boolean);
      if (ids.length > 0) await podman([...remove, ...ids], env).catch(() => {});
    }
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
}, 120_000);

describe('compose.cluster.yaml under podman-compose', () => {
  it('starts Redis, three workers and HAProxy: every worker is ready behind HAProxy and healthy by its HEALTHCHECK', async () => {
    expect(await answeredBy('/ready', 200, 180_000)).toEqual(new Set(WORKERS));
    for (const worker of WORKERS) {
      // The image's own check (/ready from inside the container), run now rather than on its interval.
      await podman(['healthcheck', 'run', await container(worker)], env);
      expect(await inspect(worker, '{{.Config.User}}')).toBe('earshot');
    }
  });

  it('transcribes a file through HAProxy with the official openai client and the key `keys add --redis` made', async () => {
    const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: key, maxRetries: 0 });
    const { data, response } = await client.audio.transcriptions
      .create({ file: createReadStream(speech), model: 'whisper-1' })
      .withResponse();
    heard = data.text;
    expect(twoPhraseRecall(heard)).toBeGreaterThanOrEqual(0.6);
    expect(WORKERS).toContain(response.headers.get('x-earshot-worker'));
    // Workers beyond loopback ask every request for a key.
    const refused = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'es-not-a-key', maxRetries: 0 });
    await expect(
      refused.audio.transcriptions.create({ file: createReadStream(speech), model: 'whisper-1' }),
    ).rejects.toMatchObject({
      status: 401,
    });
  });

  it('runs a file job on one worker and answers its result from another, through the shared jobs volume', async () => {
    const auth = { authorization: `Bearer ${key}` };
    const form = new FormData();
    form.append('file', new Blob([readFileSync(speech)]), 'speech.wav');
    form.append('model', 'whisper-1');
    const submitted = await fetch(`${url}/v1/audio/jobs`, { method: 'POST', body: form, headers: auth });
    expect(submitted.status, await submitted.clone().text()).toBe(202);
    const { id } = (await submitted.json()) as { id: string };
    await until(
      async () => {
        const job = (await (await fetch(`${url}/v1/audio/jobs/${id}`, { headers: auth })).json()) as {
          status: string;
        };
        if (['failed', 'cancelled'].includes(job.status)) throw new Error(`job ${id} ${job.status}`);
        return job.status === 'succeeded';
      },
      `job ${id} to succeed`,
      60_000,
      250,
    );
    // The worker that ran it, as the job's record in Redis names it (its container's hostname and pid).
    const redis = await container('redis');
    const { stdout: record } = await podman(
      ['exec', redis, 'redis-cli', 'HGET', `earshot:job:${id}`, 'worker'],
      env,
    );
    const hostnames = await Promise.all(WORKERS.map((w) => inspect(w, '{{.Config.Hostname}}')));
    const ranOn = WORKERS[hostnames.indexOf(record.trim().split(':')[0] ?? '')];
    expect(WORKERS).toContain(ranOn);

    const answer = await until(
      async () => {
        const response = await fetch(`${url}/v1/audio/jobs/${id}/result?response_format=text`, {
          headers: auth,
        });
        const worker = response.headers.get('x-earshot-worker');
        return response.status === 200 && worker !== ranOn
          ? { worker, text: (await response.text()).trim() }
          : undefined;
      },
      `a worker other than ${ranOn} to answer job ${id}'s result`,
      10_000,
      50,
    );
    expect(answer.text).toBe(heard);
    // The upload waited in the shared volume and went when its job ended.
    const { stdout: left } = await podman(
      ['exec', await container('worker1'), 'ls', '-A', '/var/lib/earshot/jobs'],
      env,
    );
    expect(left.trim()).toBe('');
  });

  it('brings a restarted worker back into rotation at its new address', async () => {
    const address = () => inspect('worker2', '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}');
    const before = await address();
    await compose(['restart', 'worker2']);
    // Its container came back on another address; HAProxy looks the name up again.
    expect(await address()).not.toBe(before);
    expect(await answeredBy('/ready', 200, 60_000)).toEqual(new Set(WORKERS));
  });

  it('stops every service cleanly: workers drain and exit 0', async () => {
    await compose(['stop']);
    for (const service of ['redis', ...WORKERS, 'haproxy']) {
      expect(`${service} exited ${await inspect(service, '{{.State.ExitCode}}')}`).toBe(
        `${service} exited 0`,
      );
    }
  });
});
