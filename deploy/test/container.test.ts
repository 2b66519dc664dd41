import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, chownSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sharedDir } from '../../backend/src/engine/locations';
import { freePort } from '../../backend/test/cli/serve-process';
import { type TestCertificates, testCertificates } from '../../backend/test/tls-certs';
import { curlTranscription } from '../../backend/test/tls-clients';
import { twoPhraseRecall, writeTwoPhraseSpeech } from '../../backend/test/two-phrase-speech';
import { buildEarshotImage, exec, IMAGE, PODMAN, podman } from './podman';

const IMAGE_USER = 10001;
const KEY = 'container-test-key-0123456789abcdef';
const NAME = `earshot-test-${randomBytes(4).toString('hex')}`;
const VOLUME = `${NAME}-models`;

let dir: string;
let secrets: string;
let certs: TestCertificates;
let speech: string;
let port: number;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'earshot-container-'));
  speech = writeTwoPhraseSpeech(dir);
  certs = testCertificates(['127.0.0.1']);
  await buildEarshotImage();

  // What an operator mounts read-only at /etc/earshot: certificate, key, hashed API keys, owned by
  // the image's user.
  secrets = path.join(dir, 'secrets');
  mkdirSync(secrets, { mode: 0o700 });
  copyFileSync(certs.certFile, path.join(secrets, 'cert.pem'));
  copyFileSync(certs.keyFile, path.join(secrets, 'key.pem'));
  const hash = `sha256:${createHash('sha256').update(KEY).digest('hex')}`;
  writeFileSync(path.join(secrets, 'keys.json'), JSON.stringify({ keys: [{ name: 'ci', hash }] }));
  for (const file of ['cert.pem', 'key.pem', 'keys.json']) {
    chmodSync(path.join(secrets, file), 0o600);
    chownSync(path.join(secrets, file), IMAGE_USER, IMAGE_USER);
  }
  chownSync(secrets, IMAGE_USER, IMAGE_USER);
  port = await freePort();
}, 20 * 60_000);

afterAll(async () => {
  await podman(['rm', '--force', '--time', '5', NAME]).catch(() => {});
  await podman(['volume', 'rm', '--force', VOLUME]).catch(() => {});
  certs?.remove();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the CPU container image', () => {
  it('runs `earshot serve` as a non-root user, keeps models on a volume and checks its health on /ready', async () => {
    const { stdout } = await podman(['image', 'inspect', '--format', 'json', IMAGE]);
    // Podman reports the HEALTHCHECK beside the config, not in it.
    const [{ Config: config, Healthcheck: healthcheck }] = JSON.parse(stdout) as [
      {
        Config: { User: string; Volumes: Record<string, unknown>; Entrypoint: string[]; Cmd: string[] };
        Healthcheck?: { Test: string[] };
      },
    ];
    expect(config.User).toBe('earshot');
    expect(Object.keys(config.Volumes)).toEqual(['/var/cache/earshot']);
    expect([...config.Entrypoint, ...config.Cmd].join(' ')).toMatch(/src\/cli\/main\.ts serve$/);
    expect(healthcheck?.Test.join(' ')).toContain('healthcheck.mjs');
  });

  it('starts from EARSHOT_* variables, turns healthy, transcribes a file through /v1 over TLS and stops cleanly', async () => {
    await podman([
      ...['run', '--detach', '--name', NAME, ...PODMAN],
      ...['--publish', `127.0.0.1:${port}:8001`],
      ...['--volume', `${secrets}:/etc/earshot:ro`, '--volume', `${VOLUME}:/var/cache/earshot`],
      // Silero VAD from the provided data, as the model store would find it after a download.
      ...[
        '--volume',
        `${sharedDir()}:/srv/earshot-shared:ro`,
        '--env',
        'EARSHOT_SHARED_DIR=/srv/earshot-shared',
      ],
      ...['--env', 'EARSHOT_MODEL=tiny-en', '--env', `EARSHOT_ALLOWED_HOSTS=127.0.0.1:${port}`],
      ...['--env', 'EARSHOT_TLS_CERT=/etc/earshot/cert.pem', '--env', 'EARSHOT_TLS_KEY=/etc/earshot/key.pem'],
      ...['--env', 'EARSHOT_API_KEYS_FILE=/etc/earshot/keys.json'],
      IMAGE,
    ]);
    // The image's own HEALTHCHECK, run now rather than on its 30 s interval.
    const deadline = Date.now() + 120_000;
    for (;;) {
      const healthy = await podman(['healthcheck', 'run', NAME]).then(
        () => true,
        () => false,
      );
      if (healthy) break;
      const { stdout: state } = await podman(['inspect', '--format', '{{.State.Status}}', NAME]);
      if (state.trim() !== 'running' || Date.now() > deadline) {
        const logs = await podman(['logs', NAME]);
        throw new Error(`the container is ${state.trim()}, not healthy: ${logs.stdout}${logs.stderr}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    const url = `https://127.0.0.1:${port}`;
    const text = await curlTranscription(url, speech, { caFile: certs.caFile, apiKey: KEY });
    expect(twoPhraseRecall(text)).toBeGreaterThanOrEqual(0.6);
    expect((await podman(['exec', NAME, 'id', '-u'])).stdout.trim()).toBe(String(IMAGE_USER));

    await podman(['stop', '--time', '30', NAME]);
    const { stdout: exitCode } = await podman(['inspect', '--format', '{{.State.ExitCode}}', NAME]);
    expect(exitCode.trim()).toBe('0');
    const logs = await podman(['logs', NAME]);
    expect(logs.stdout).toMatch(
      /serving https:\/\/127\.0\.0\.1:8001 model=tiny-en device=cpu .*vad=silero-vad auth=1-keys/,
    );
    // Usage totals were written to the model volume when the server stopped.
    const { stdout: volume } = await podman(['volume', 'inspect', '--format', '{{.Mountpoint}}', VOLUME]);
    expect((await exec('cat', [path.join(volume.trim(), 'usage.json')])).stdout).toContain('"ci"');
  });
});
