import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { loadRecognizer } from '../../../src/engine';
import { resolveModel } from '../../../src/models';
import { ApiKeys } from '../../../src/server/api-keys';
import { pcm16Wav, speakPcm16 } from '../../engine/speech-audio';
import { ObservedRecognizer } from '../../streaming/observed-recognizer';
import { MAX_STREAMING_WER, refusedWith, wordErrorRate } from '../helpers';
import { type DoorServer, startDoorServer, v1Words } from './door-server';

const FIRST = 'the dog ran to the park to play with a red ball';
const SECOND = 'my mother found a small green tree near the house';
const RATE = 16_000;
const KEY = 'stt-door-key-0123456789';

interface Message {
  type: string;
  conn?: string;
  text?: string;
  stable_chars?: number;
  t0?: number;
  t1?: number;
  segments?: { start: number; end: number; text: string }[];
  language?: string;
  backpressure?: string;
  cooldown_ms?: number;
  tail_s?: number;
  interim_paused?: boolean;
  code?: string;
  message?: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(check: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

function silence(seconds: number): Buffer {
  return Buffer.alloc(Math.round(seconds * RATE) * 2);
}

/** The spoken audio as a WAV file, for what /v1 hears in it. */
function wavFile(path: string, pcm: Buffer): string {
  writeFileSync(path, pcm16Wav(pcm, RATE));
  return path;
}

let dir: string;
let speech: Buffer;
let server: DoorServer;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'earshot-realtime-stt-'));
  speech = Buffer.concat([
    silence(0.5),
    speakPcm16(FIRST, RATE),
    silence(1.2),
    speakPcm16(SECOND, RATE),
    silence(1),
  ]);
  server = await startDoorServer({ apiKeys: new ApiKeys([{ name: 'stt', key: KEY }]) });
}, 60_000);

afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A raw WebSocket client, as the original server's browser and Python clients open it. */
function connect(
  base: string,
  options: { headers?: Record<string, string>; protocols?: string[] } = {},
): { socket: WebSocket; messages: Message[] } {
  const socket = new WebSocket(`${base.replace(/^http/, 'ws')}/ws`, options.protocols ?? [], {
    headers: { authorization: `Bearer ${KEY}`, ...options.headers },
  });
  const messages: Message[] = [];
  socket.on('message', (data, isBinary) => {
    if (!isBinary) messages.push(JSON.parse(String(data)) as Message);
  });
  return { socket, messages };
}

/** Sends PCM16 in 40 ms frames (1280 bytes), two frames every 40 ms: twice real time. */
async function stream(socket: WebSocket, pcm: Buffer): Promise<void> {
  const frame = Math.round(RATE * 0.04) * 2;
  for (let at = 0, n = 0; at < pcm.length; at += frame, n++) {
    socket.send(pcm.subarray(at, at + frame), { binary: true });
    if (n % 2 === 1) await sleep(40);
  }
}

describe('GET /ws, the realtime STT server door', () => {
  it('streams PCM16 to interims and finals of the words /v1 hears in the same audio', async () => {
    const { socket, messages } = connect(server.url);
    await once(socket, 'open');
    await until(() => messages.length > 0, 'the first status');
    expect(messages[0]).toEqual({
      type: 'status',
      backpressure: 'normal',
      cooldown_ms: 220,
      tail_s: 7,
      interim_paused: false,
    });
    const startedAt = Date.now() / 1000;
    socket.send(JSON.stringify({ event: 'start', language: 'auto' }));
    await stream(socket, speech);
    socket.send(JSON.stringify({ event: 'stop' }));
    const finals = () => messages.filter((m) => m.type === 'final');
    // Speech, a pause, speech: an utterance each, the second sent at the stop at the latest.
    await until(
      () =>
        finals().length >= 2 &&
        finals()
          .map((f) => f.text)
          .join(' ')
          .includes('house'),
      'the finals',
    );
    await sleep(300);
    socket.close();

    expect(messages.filter((m) => m.type === 'error')).toEqual([]);
    const conn = finals()[0]?.conn ?? '';
    expect(conn).toMatch(/^conn_\w+$/);
    const interims = messages.filter((m) => m.type === 'interim');
    expect(interims.length).toBeGreaterThan(0);
    for (const m of [...interims, ...finals()]) {
      expect(m.conn).toBe(conn);
      expect(m.t1).toBeGreaterThanOrEqual(m.t0 ?? Infinity);
      expect(m.t0).toBeGreaterThanOrEqual(startedAt - 1);
    }
    for (const interim of interims) {
      expect(Object.keys(interim).sort()).toEqual(['conn', 'stable_chars', 't0', 't1', 'text', 'type']);
      expect(interim.stable_chars).toBeLessThanOrEqual(interim.text?.length ?? 0);
    }
    for (const final of finals()) {
      expect(Object.keys(final).sort()).toEqual(['conn', 'language', 'segments', 't0', 't1', 'text', 'type']);
      expect(final.language).toBe('en');
      expect(final.segments?.map((s) => s.text).join(' ')).toBe(final.text);
      expect(final.segments?.[0]?.start).toBe(0);
      const last = final.segments?.at(-1);
      expect(last?.end).toBeCloseTo((final.t1 ?? 0) - (final.t0 ?? 0), 2);
    }
    // An interim's stable part is what the final of its utterance begins with.
    let pending: Message[] = [];
    for (const m of messages) {
      if (m.type === 'interim') pending.push(m);
      if (m.type !== 'final') continue;
      for (const interim of pending) {
        expect(m.text?.startsWith(interim.text?.slice(0, interim.stable_chars) ?? '-')).toBe(true);
      }
      pending = [];
    }
    const streamed = finals()
      .map((f) => f.text)
      .join(' ');
    const heard = await v1Words(server.url, wavFile(join(dir, 'speech.wav'), speech), {
      authorization: `Bearer ${KEY}`,
    });
    expect(wordErrorRate(heard.text, streamed)).toBeLessThanOrEqual(MAX_STREAMING_WER);
    expect(wordErrorRate(`${FIRST} ${SECOND}`, streamed)).toBeLessThanOrEqual(MAX_STREAMING_WER);
  }, 60_000);

  it('sets the interim rate, reports it in a status message, and answers bad control messages without closing', async () => {
    const { socket, messages } = connect(server.url);
    await once(socket, 'open');
    socket.send(JSON.stringify({ event: 'set', interimRate: 2 }));
    socket.send('not json');
    socket.send(JSON.stringify({ event: 'pause' }));
    socket.send(JSON.stringify({ event: 'set', interimRate: -1 }));
    socket.send(JSON.stringify({ event: 'start', language: 'es' }));
    await until(() => messages.filter((m) => m.type === 'error').length >= 4, 'four errors');
    expect(messages.find((m) => m.type === 'status' && m.cooldown_ms === 500)).toMatchObject({
      backpressure: 'normal',
      interim_paused: false,
    });
    expect(messages.filter((m) => m.type === 'error').map((m) => m.code)).toEqual([
      'invalid_json',
      'unsupported_event',
      'invalid_value',
      'unsupported_language',
    ]);
    expect(messages.find((m) => m.code === 'unsupported_language')?.message).toMatch(
      /English only, not "es"/,
    );
    // Still usable: a stream in English goes through.
    socket.send(JSON.stringify({ event: 'start', language: 'en' }));
    await stream(socket, Buffer.concat([speakPcm16(SECOND, RATE), silence(0.5)]));
    socket.send(JSON.stringify({ event: 'stop' }));
    await until(() => messages.some((m) => m.type === 'final'), 'a final');
    expect(wordErrorRate(SECOND, messages.find((m) => m.type === 'final')?.text ?? '')).toBeLessThanOrEqual(
      MAX_STREAMING_WER,
    );
    socket.close();
  }, 60_000);

  it("counts a stream's audio in the key's usage, whether it ends with a stop or the client just leaves", async () => {
    const liveSeconds = async () =>
      (
        (await (
          await fetch(`${server.url}/v1/usage`, { headers: { authorization: `Bearer ${KEY}` } })
        ).json()) as { live_seconds: number }
      ).live_seconds;
    const audio = Buffer.concat([speakPcm16(SECOND, RATE), silence(0.5)]);
    const seconds = audio.length / 2 / RATE;

    const before = await liveSeconds();
    const stopped = connect(server.url);
    await once(stopped.socket, 'open');
    await stream(stopped.socket, audio);
    stopped.socket.send(JSON.stringify({ event: 'stop' }));
    await until(() => stopped.messages.some((m) => m.type === 'final'), 'a final');
    stopped.socket.close();
    const afterStop = await liveSeconds();
    expect(afterStop - before).toBeCloseTo(seconds, 1);

    // No stop: the audio the server took in before the client left is counted all the same.
    const left = connect(server.url);
    await once(left.socket, 'open');
    await stream(left.socket, audio);
    await sleep(200);
    left.socket.close();
    await until(() => server.app.realtimeSessions.count === 0, 'the session to close', 5_000);
    expect((await liveSeconds()) - afterStop).toBeCloseTo(seconds, 1);
  }, 60_000);

  it('holds the same Host, Origin, key and frame size rules as every other route, and counts as a session', async () => {
    expect(
      await refusedWith(connect(server.url, { headers: { origin: 'https://evil.example' } }).socket),
    ).toBe(403);
    expect(await refusedWith(connect(server.url, { headers: { host: 'evil.example' } }).socket)).toBe(403);
    expect(await refusedWith(connect(server.url, { headers: { authorization: '' } }).socket)).toBe(401);
    // A browser cannot set headers: the key travels as a subprotocol, as OpenAI's realtime clients send it.
    const browser = connect(server.url, {
      headers: { authorization: '', origin: 'chrome-extension://abcdefghijklmnop' },
      protocols: [`openai-insecure-api-key.${KEY}`],
    });
    await once(browser.socket, 'open');
    const status = (await (
      await fetch(`${server.url}/status`, { headers: { authorization: `Bearer ${KEY}` } })
    ).json()) as { sessions: { by_transport: { websocket: number } } };
    expect(status.sessions.by_transport.websocket).toBe(1);
    const closed = once(browser.socket, 'close');
    browser.socket.send(Buffer.alloc(4 * 1024 * 1024), { binary: true });
    const [code] = (await closed) as [number];
    expect(code).toBe(1009);
    await until(() => server.app.realtimeSessions.count === 0, 'the session to close', 5_000);
  });
});

describe('GET /ws with a fast model for interims beside the final model', () => {
  it('makes the interims with the fast model and the finals with the strong one', async () => {
    const tinyEn = await resolveModel('tiny-en', { allowDownload: false });
    const load = (modelId: string) =>
      loadRecognizer({
        modelDir: tinyEn.dir,
        modelId,
        device: 'cpu',
        encoderFile: tinyEn.encoderFile,
        decoderFile: tinyEn.decoderFile,
      });
    const strong = new ObservedRecognizer(await load('tiny-en'));
    const fast = new ObservedRecognizer(await load('tiny-en-fast'));
    const pair = await startDoorServer({
      recognizer: strong,
      moreRecognizers: [fast],
      interimModel: 'tiny-en-fast',
    });
    try {
      const { socket, messages } = connect(pair.url, { headers: { authorization: '' } });
      await once(socket, 'open');
      socket.send(JSON.stringify({ event: 'start', language: 'en' }));
      const strongBefore = strong.batches.length;
      await stream(socket, Buffer.concat([speakPcm16(FIRST, RATE), silence(0.8)]));
      socket.send(JSON.stringify({ event: 'stop' }));
      await until(() => messages.some((m) => m.type === 'final'), 'a final');
      socket.close();
      expect(fast.batches.length).toBeGreaterThan(0);
      expect(strong.batches.length).toBeGreaterThan(strongBefore);
      const text = messages
        .filter((m) => m.type === 'final')
        .map((m) => m.text)
        .join(' ');
      expect(wordErrorRate(FIRST, text)).toBeLessThanOrEqual(MAX_STREAMING_WER);
    } finally {
      await pair.close();
      await fast.release();
    }
  }, 60_000);
});
