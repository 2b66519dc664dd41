import { createHash } from 'node:crypto';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestCertificates, testCertificates } from '../tls-certs';
import { curlTranscription, realtimeExampleTranscript } from '../tls-clients';
import { twoPhraseRecall, writeTwoPhraseSpeech } from '../two-phrase-speech';
import { lines, runCli } from './run-cli';
import { freePort, serve } from './serve-process';

const KEY = 'tls-test-key-0123456789abcdef';
let dir: string;
let keyFile: string;
let speech: string;
let certs: TestCertificates;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'earshot-serve-tls-'));
  keyFile = join(dir, 'keys.json');
  const hash = `sha256:${createHash('sha256').update(KEY).digest('hex')}`;
  writeFileSync(keyFile, JSON.stringify({ keys: [{ name: 'ci', hash }] }), { mode: 0o600 });
  speech = writeTwoPhraseSpeech(dir);
  certs = testCertificates(['127.0.0.1']);
});
afterAll(() => {
  certs?.remove();
  rmSync(dir, { recursive: true, force: true });
});

/** The status of GET /health over HTTPS trusting `ca`, or the TLS error's code. */
function healthWith(url: string, ca: Buffer): Promise<number | string> {
  return new Promise((resolve) => {
    request(`${url}/health`, { ca, agent: false }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    })
      .on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message))
      .end();
  });
}

describe('earshot serve over TLS', () => {
  it.each([
    {
      what: 'plain HTTP beyond loopback',
      args: () => ['--host', '0.0.0.0', '--api-keys', keyFile],
      message:
        /^earshot: refusing to serve plain HTTP on 0\.0\.0\.0: .*--tls-cert <file> --tls-key <file>.*--behind-proxy/,
    },
    {
      what: 'a certificate without its key',
      args: () => ['--tls-cert', certs.certFile],
      message: /^earshot: --tls-cert needs --tls-key too/,
    },
    {
      what: 'a key that is not the certificate’s',
      args: () => ['--tls-cert', certs.certFile, '--tls-key', certs.caFile],
      message: /^earshot: TLS certificate .*cert\.pem and key .*ca\.pem cannot be used together/,
    },
    {
      what: 'a proxy address without --behind-proxy',
      args: () => ['--proxy-address', '10.0.0.2'],
      message: /^earshot: --proxy-address names the proxy of --behind-proxy/,
    },
    {
      what: 'a proxy address that is not one',
      args: () => ['--behind-proxy', '--proxy-address', 'proxy.lan'],
      message: /^earshot: --proxy-address "proxy\.lan" is not an IP address/,
    },
  ])('refuses $what in one line, before loading a model', async ({ args, message }) => {
    const result = await runCli(['serve', '--model', 'tiny-en', '--port', '0', ...args()]);
    expect(result.code).not.toBe(0);
    expect(result.stdout).not.toContain('serving');
    expect(lines(result.stderr)).toHaveLength(1);
    expect(result.stderr).toMatch(message);
  });

  it('serves HTTPS and WSS from EARSHOT_TLS_CERT/KEY: curl transcribes a file, the official realtime client streams it, and SIGHUP takes a renewed certificate', async () => {
    // The server reads the files it is given; a renewal replaces them in place.
    const certFile = join(dir, 'live-cert.pem');
    const keyPem = join(dir, 'live-key.pem');
    copyFileSync(certs.certFile, certFile);
    copyFileSync(certs.keyFile, keyPem);
    const server = await serve(
      ['--model', 'tiny-en', '--port', String(await freePort()), '--api-keys', keyFile],
      { EARSHOT_CACHE_DIR: dir, EARSHOT_TLS_CERT: certFile, EARSHOT_TLS_KEY: keyPem },
    );
    expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const client = { caFile: certs.caFile, apiKey: KEY };

    expect(twoPhraseRecall(await curlTranscription(server.url, speech, client))).toBeGreaterThanOrEqual(0.6);
    const streamed = await realtimeExampleTranscript(server.url, speech, client);
    expect(lines(streamed)).toHaveLength(2);
    expect(twoPhraseRecall(streamed)).toBeGreaterThanOrEqual(0.6);
    // Plain HTTP gets no answer from a TLS port.
    await expect(fetch(`${server.url.replace('https', 'http')}/health`)).rejects.toThrow();

    const renewed = testCertificates(['127.0.0.1']);
    try {
      expect(await healthWith(server.url, renewed.ca)).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
      copyFileSync(renewed.certFile, certFile);
      copyFileSync(renewed.keyFile, keyPem);
      process.kill(server.pid, 'SIGHUP');
      await expect
        .poll(() => server.stderr(), { timeout: 10_000 })
        .toContain('TLS certificate and key read again');
      expect(await healthWith(server.url, renewed.ca)).toBe(200);
    } finally {
      renewed.remove();
    }
    expect(await server.stop()).toBe(0);
    expect(server.stderr()).not.toContain(KEY);
  }, 120_000);
});
