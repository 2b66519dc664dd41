import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../backend/test/cli/serve-process';
import { type TestCertificates, testCertificates } from '../../backend/test/tls-certs';
import { curlTranscription, realtimeExampleTranscript } from '../../backend/test/tls-clients';
import { twoPhraseRecall, writeTwoPhraseSpeech } from '../../backend/test/two-phrase-speech';

const run = promisify(execFile);
const REPO = fileURLToPath(new URL('../../', import.meta.url));
const NGINX_SITE = path.join(REPO, 'deploy/nginx/earshot.conf');
const UNIT = path.join(REPO, 'deploy/systemd/earshot.service');
const ENV_FILE = path.join(REPO, 'deploy/systemd/earshot.env');
const KEY = 'nginx-test-key-0123456789abcdef';

let dir: string;
let certs: TestCertificates;
let speech: string;
let nginx: ChildProcess | undefined;
let earshot: ChildProcess | undefined;
let nginxPort: number;
let redirectPort: number;
let url: string;

/** `text` with `from` replaced by `to`, where `from` must occur exactly once: the shipped file still has that line. */
function replaceOnce(text: string, from: string, to: string): string {
  const parts = text.split(from);
  if (parts.length !== 2)
    throw new Error(`expected "${from}" once in the shipped config, found ${parts.length - 1}`);
  return parts.join(to);
}

/** The value of `key=` in a systemd unit, or a KEY=value line of an environment file. */
function setting(text: string, key: string): string {
  const value = new RegExp(`^${key}=(.*)$`, 'm').exec(text)?.[1];
  if (value === undefined) throw new Error(`${key}= is missing`);
  return value.trim();
}

function environmentFile(text: string): Record<string, string> {
  const entries = text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => line.split(/=(.*)/s).slice(0, 2) as [string, string]);
  return Object.fromEntries(entries);
}

/** Resolves with the first line matching `pattern` a child prints on stdout; rejects if it exits first. */
function waitForLine(child: ChildProcess, pattern: RegExp, what: string): Promise<void> {
  let out = '';
  let err = '';
  child.stderr?.setEncoding('utf8').on('data', (t: string) => {
    err += t;
  });
  return new Promise((resolve, reject) => {
    child.stdout?.setEncoding('utf8').on('data', (t: string) => {
      out += t;
      if (pattern.test(out)) resolve();
    });
    child.on('exit', (code) => reject(new Error(`${what} exited with ${code}: ${err}`)));
  });
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'earshot-nginx-'));
  chmodSync(dir, 0o755);
  certs = testCertificates(['127.0.0.1']);
  speech = writeTwoPhraseSpeech(dir);
  const keyFile = path.join(dir, 'keys.json');
  writeFileSync(
    keyFile,
    JSON.stringify({
      keys: [{ name: 'ci', hash: `sha256:${createHash('sha256').update(KEY).digest('hex')}` }],
    }),
    { mode: 0o600 },
  );
  [nginxPort, redirectPort] = [await freePort(), await freePort()];
  const earshotPort = await freePort();

  // The server as the systemd unit starts it: its ExecStart in its WorkingDirectory, with the
  // shipped environment file, only the port, public name, key file, model and cache changed.
  const unit = readFileSync(UNIT, 'utf8');
  const shipped = environmentFile(readFileSync(ENV_FILE, 'utf8'));
  const [command, ...args] = setting(unit, 'ExecStart').split(/\s+/) as [string, ...string[]];
  const workingDirectory = setting(unit, 'WorkingDirectory').replace('/opt/earshot', REPO);
  earshot = spawn(command, args, {
    cwd: workingDirectory,
    env: {
      PATH: `${path.dirname(process.execPath)}:${process.env.PATH}`,
      ...(process.env.EARSHOT_SHARED_DIR ? { EARSHOT_SHARED_DIR: process.env.EARSHOT_SHARED_DIR } : {}),
      ...shipped,
      EARSHOT_PORT: String(earshotPort),
      EARSHOT_ALLOWED_HOSTS: `127.0.0.1:${nginxPort}`,
      EARSHOT_API_KEYS_FILE: keyFile,
      EARSHOT_MODEL: 'tiny-en',
      EARSHOT_CACHE_DIR: path.join(dir, 'cache'),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const served = waitForLine(earshot, /serving http:\/\/127\.0\.0\.1:\d+/, 'earshot serve');

  // nginx with the shipped site, only its ports, certificate files and upstream port changed.
  let site = readFileSync(NGINX_SITE, 'utf8');
  site = replaceOnce(site, 'listen 443 ssl;', `listen 127.0.0.1:${nginxPort} ssl;`);
  site = replaceOnce(site, 'listen [::]:443 ssl;', '');
  site = replaceOnce(site, 'listen 80;', `listen 127.0.0.1:${redirectPort};`);
  site = replaceOnce(site, 'listen [::]:80;', '');
  site = replaceOnce(site, '/etc/letsencrypt/live/earshot.example.com/fullchain.pem', certs.certFile);
  site = replaceOnce(site, '/etc/letsencrypt/live/earshot.example.com/privkey.pem', certs.keyFile);
  expect(shipped.EARSHOT_HOST).toBe('127.0.0.1');
  site = replaceOnce(
    site,
    `server ${shipped.EARSHOT_HOST}:${shipped.EARSHOT_PORT};`,
    `server 127.0.0.1:${earshotPort};`,
  );
  writeFileSync(path.join(dir, 'earshot.conf'), site);
  for (const temp of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) {
    mkdirSync(path.join(dir, temp), { mode: 0o777 });
    chmodSync(path.join(dir, temp), 0o777);
  }
  const conf = path.join(dir, 'nginx.conf');
  writeFileSync(
    conf,
    `daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
worker_processes 1;
events { worker_connections 256; }
http {
  access_log ${dir}/access.log;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  include ${dir}/earshot.conf;
}
`,
  );
  await run('nginx', ['-t', '-q', '-c', conf]);
  nginx = spawn('nginx', ['-c', conf], { stdio: 'ignore' });
  url = `https://127.0.0.1:${nginxPort}`;
  await served;
  // nginx is up once its TLS port answers.
  const deadline = Date.now() + 10_000;
  for (;;) {
    const answered = await run('curl', [
      '-s',
      '-o',
      '/dev/null',
      '--cacert',
      certs.caFile,
      `${url}/health`,
    ]).then(
      () => true,
      () => false,
    );
    if (answered) break;
    if (Date.now() > deadline)
      throw new Error(`nginx did not answer: ${readFileSync(path.join(dir, 'error.log'), 'utf8')}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}, 120_000);

afterAll(async () => {
  for (const child of [nginx, earshot]) {
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
  }
  certs?.remove();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** curl's status code for `path` through nginx, with extra curl arguments. */
async function statusOf(pathname: string, ...curlArgs: string[]): Promise<string> {
  const { stdout } = await run('curl', [
    '-s',
    '-o',
    '/dev/null',
    '-w',
    '%{http_code}',
    '--cacert',
    certs.caFile,
    ...curlArgs,
    `${url}${pathname}`,
  ]);
  return stdout;
}

describe('the shipped nginx config in front of the server the systemd unit starts', () => {
  it('passes a file transcription through /v1 over TLS', async () => {
    const text = await curlTranscription(url, speech, { caFile: certs.caFile, apiKey: KEY });
    expect(twoPhraseRecall(text)).toBeGreaterThanOrEqual(0.6);
  });

  it('upgrades /v1/realtime for the official openai realtime client, which trusts the CA through NODE_EXTRA_CA_CERTS', async () => {
    const transcripts = await realtimeExampleTranscript(url, speech, { caFile: certs.caFile, apiKey: KEY });
    expect(transcripts.trim().split('\n')).toHaveLength(2);
    expect(twoPhraseRecall(transcripts)).toBeGreaterThanOrEqual(0.6);
  });

  it('checks the Host clients send to nginx and the key, and redirects plain HTTP to HTTPS', async () => {
    await expect.poll(() => statusOf('/ready'), { timeout: 30_000 }).toBe('200');
    expect(await statusOf('/v1/models')).toBe('401');
    expect(await statusOf('/v1/models', '-H', `Authorization: Bearer ${KEY}`)).toBe('200');
    // A page whose name was rebound to this server sends its own name as Host: refused.
    expect(await statusOf('/health', '-H', 'Host: rebound.attacker.test')).toBe('403');
    const redirect = await run('curl', [
      '-s',
      '-o',
      '/dev/null',
      '-w',
      '%{http_code} %{redirect_url}',
      `http://127.0.0.1:${redirectPort}/health`,
    ]);
    expect(redirect.stdout).toBe('301 https://127.0.0.1/health');
  });
});

describe('the shipped systemd unit', () => {
  it('is a valid unit whose hardening systemd rates OK', async () => {
    const verify = await run('systemd-analyze', ['verify', UNIT]);
    // verify exits 0 on unknown keys and bad values too; it only warns.
    expect(`${verify.stdout}${verify.stderr}`).toBe('');
    const unit = readFileSync(UNIT, 'utf8');
    expect(setting(unit, 'User')).toBe('earshot');
    expect(setting(unit, 'Restart')).toBe('on-failure');
    expect(setting(unit, 'EnvironmentFile')).toBe('/etc/earshot/earshot.env');
    const security = await run('systemd-analyze', ['security', '--offline=yes', UNIT]);
    const exposure = Number(
      /Overall exposure level for earshot\.service: ([\d.]+)/.exec(security.stdout)?.[1],
    );
    expect(exposure).toBeLessThanOrEqual(2);
  });
});
