import { once } from 'node:events';
import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import OpenAI from 'openai';
import { OpenAIRealtimeWS } from 'openai/realtime/ws';
import OpenAI6 from 'openai6';
import { OpenAIRealtimeWS as OpenAIRealtimeWS6 } from 'openai6/realtime/ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { Recognizer } from '../../src/engine/types';
import { defaultSileroVadPath, SileroVad } from '../../src/engine/vad';
import { ApiKeys } from '../../src/server/api-keys';
import { buildApp } from '../../src/server/app';
import { pcm16Wav, speakPcm16 } from '../engine/speech-audio';
import { type TestCertificates, testCertificates } from '../tls-certs';
import { loadTinyEn, MAX_STREAMING_WER, refusedWith, wordErrorRate } from './helpers';
import { commitSpokenTurn, pieces, type ServerEventLike, silencePcm16, until } from './realtime-turn';

const FIRST = 'the dog ran to the park to play with a red ball and the children walk near the river';
const SECOND = 'my mother found a small green tree near the house';
const VAD_MODEL = defaultSileroVadPath();
const API_KEY = 'realtime-test-key-0123456789';
const vadPresent = existsSync(VAD_MODEL);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let tinyEn: Recognizer;
let vad: SileroVad | undefined;
let certs: TestCertificates;
let port: number;
let app: FastifyInstance;

beforeAll(async () => {
  certs = testCertificates(['127.0.0.1']);
  [tinyEn, vad] = await Promise.all([
    loadTinyEn(),
    vadPresent ? SileroVad.load(VAD_MODEL) : Promise.resolve(undefined),
  ]);
  const loadedVad = vad;
  // The server's own TLS: the official client only speaks wss://, and connects with no front.
  app = await buildApp({
    recognizer: tinyEn,
    config: { host: '127.0.0.1' },
    tls: certs,
    apiKeys: new ApiKeys([{ name: 'tester', key: API_KEY }]),
    ...(loadedVad ? { createVadStream: () => loadedVad.createStream() } : {}),
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  port = (app.server.address() as AddressInfo).port;
});
afterAll(async () => {
  await app?.close();
  certs?.remove();
  await Promise.all([tinyEn?.release(), vad?.release()]);
});

/** The official client, unchanged but for where it connects and the CA it trusts. */
async function openaiRealtime(): Promise<{ rt: OpenAIRealtimeWS; events: ServerEventLike[] }> {
  const client = new OpenAI({ apiKey: API_KEY, baseURL: `https://127.0.0.1:${port}/v1` });
  const rt = new OpenAIRealtimeWS({ intent: 'transcription', options: { ca: certs.ca } }, client);
  const events: ServerEventLike[] = [];
  rt.on('event', (event) => events.push(event as ServerEventLike));
  // Error events also reach the `error` listener; the test reads them from `events`.
  rt.on('error', () => {});
  await once(rt.socket, 'open');
  return { rt, events };
}

/** openai 6.x, what `npm install openai` gives on Node 20: it opens the socket with ?model= and no intent. */
async function openai6Realtime(model: string): Promise<{ rt: OpenAIRealtimeWS6; events: ServerEventLike[] }> {
  const client = new OpenAI6({ apiKey: API_KEY, baseURL: `https://127.0.0.1:${port}/v1` });
  const rt = new OpenAIRealtimeWS6({ model, options: { ca: certs.ca } }, client);
  const events: ServerEventLike[] = [];
  rt.on('event', (event) => events.push(event as ServerEventLike));
  rt.on('error', () => {});
  return { rt, events };
}

/** What /v1/audio/transcriptions hears in the same PCM16 (as a WAV upload). */
async function heardByV1(pcm: Buffer, rate: number): Promise<string> {
  const form = new FormData();
  form.append('file', new Blob([pcm16Wav(pcm, rate)]), 'turn.wav');
  form.append('model', 'whisper-1');
  const response = await app.inject({
    method: 'POST',
    url: '/v1/audio/transcriptions',
    headers: { host: `127.0.0.1:${port}`, authorization: `Bearer ${API_KEY}` },
    payload: form,
  });
  expect(response.statusCode, response.body).toBe(200);
  return (response.json() as { text: string }).text;
}

function rawSocket(headers: Record<string, string> = {}): WebSocket {
  return new WebSocket(`wss://127.0.0.1:${port}/v1/realtime?intent=transcription`, {
    ca: certs.ca,
    headers: { authorization: `Bearer ${API_KEY}`, ...headers },
  });
}

describe('GET /v1/realtime through the official openai realtime client', () => {
  it.skipIf(!vadPresent)(
    'cuts turns by server VAD, sends deltas while a turn goes on and its transcript when it is done',
    async () => {
      const { rt, events } = await openaiRealtime();
      await until(() => events.some((e) => e.type === 'session.created'), 'session.created');
      rt.send({
        type: 'session.update',
        session: {
          type: 'transcription',
          audio: {
            input: {
              format: { type: 'audio/pcm', rate: 24000 },
              transcription: { model: 'tiny-en', language: 'en' },
              turn_detection: {
                type: 'server_vad',
                threshold: 0.5,
                prefix_padding_ms: 300,
                silence_duration_ms: 500,
              },
            },
          },
        },
      });
      await until(() => events.some((e) => e.type === 'session.updated'), 'session.updated');

      const rate = 24_000;
      const audio = Buffer.concat([
        silencePcm16(0.5, rate),
        speakPcm16(FIRST, rate),
        silencePcm16(1.2, rate),
        speakPcm16(SECOND, rate),
        silencePcm16(1.2, rate),
      ]);
      // 100 ms of audio every 50 ms: twice real time, as a live source with some slack would send it.
      for (const piece of pieces(audio, rate, 100)) {
        rt.send({ type: 'input_audio_buffer.append', audio: piece.toString('base64') });
        await sleep(50);
      }
      const completed = () =>
        events.filter((e) => e.type === 'conversation.item.input_audio_transcription.completed');
      await until(() => completed().length >= 2, 'two completed transcripts');
      rt.close();

      const types = events.map((e) => e.type);
      const items = completed().map((e) => e.item_id as string);
      expect(new Set(items).size).toBe(2);
      for (const item of items) {
        const ofItem = events.filter((e) => e.item_id === item).map((e) => e.type);
        expect(ofItem.filter((t) => t.startsWith('input_audio_buffer.'))).toEqual([
          'input_audio_buffer.speech_started',
          'input_audio_buffer.speech_stopped',
          'input_audio_buffer.committed',
        ]);
        expect(ofItem.at(-1)).toBe('conversation.item.input_audio_transcription.completed');
      }
      // Deltas of the first turn arrive while it is still going on, before its speech stops.
      const first = items[0] as string;
      const firstDelta = events.findIndex((e) => e.item_id === first && e.type.endsWith('.delta'));
      const firstStop = events.findIndex(
        (e) => e.item_id === first && e.type === 'input_audio_buffer.speech_stopped',
      );
      expect(firstDelta).toBeGreaterThanOrEqual(0);
      expect(firstDelta).toBeLessThan(firstStop);
      // The deltas of a turn add up to its transcript; the transcripts are the spoken words.
      const [one, two] = completed();
      for (const done of [one, two]) {
        const deltas = events
          .filter((e) => e.item_id === done?.item_id && e.type.endsWith('.delta'))
          .map((e) => e.delta)
          .join('');
        expect(deltas).toBe(done?.transcript);
      }
      expect(wordErrorRate(FIRST, one?.transcript ?? '')).toBeLessThanOrEqual(MAX_STREAMING_WER);
      expect(wordErrorRate(SECOND, two?.transcript ?? '')).toBeLessThanOrEqual(MAX_STREAMING_WER);
      expect(types).not.toContain('error');
    },
    120_000,
  );

  it('transcribes a turn the client commits to what /v1 hears in the same audio', async () => {
    const { rt, events } = await openaiRealtime();
    const { turn, transcript } = await commitSpokenTurn(rt, events, FIRST);
    rt.close();
    expect(wordErrorRate(await heardByV1(turn, 24_000), transcript)).toBeLessThanOrEqual(MAX_STREAMING_WER);
  }, 60_000);

  it('answers a malformed event with an error event and keeps the session usable', async () => {
    const { rt, events } = await openaiRealtime();
    await until(() => events.some((e) => e.type === 'session.created'), 'session.created');
    rt.send({ type: 'input_audio_buffer.append', audio: 'not base64 at all!' });
    rt.send({ type: 'response.create' });
    rt.send({
      type: 'session.update',
      session: { type: 'transcription', audio: { input: { transcription: { model: 'gpt-4o-transcribe' } } } },
    });
    rt.send({ type: 'input_audio_buffer.commit' });
    await until(() => events.filter((e) => e.type === 'error').length >= 4, 'four error events');
    const codes = events.filter((e) => e.type === 'error').map((e) => e.error?.code);
    expect(codes).toEqual([
      'invalid_value',
      'unsupported_event',
      'model_not_found',
      'input_audio_buffer_commit_empty',
    ]);

    // Still usable: a valid update is applied and reported.
    rt.send({
      type: 'session.update',
      session: { type: 'transcription', audio: { input: { turn_detection: null } } },
    });
    await until(() => events.some((e) => e.type === 'session.updated'), 'session.updated');
    const updated = events.find((e) => e.type === 'session.updated') as unknown as {
      session: { audio: { input: { turn_detection: unknown; transcription: { model: string } } } };
    };
    expect(updated.session.audio.input.turn_detection).toBeNull();
    expect(updated.session.audio.input.transcription.model).toBe('tiny-en');
    rt.close();
  });
});

describe('GET /v1/realtime?model= through openai 6.x, which sends no intent', () => {
  it('opens a transcription session on the model named, whose transcript is what /v1 hears', async () => {
    const { rt, events } = await openai6Realtime('tiny-en');
    await once(rt.socket, 'open');
    await until(() => events.some((e) => e.type === 'session.created'), 'session.created');
    const created = events.find((e) => e.type === 'session.created') as unknown as {
      session: { type: string; audio: { input: { transcription: { model: string } } } };
    };
    expect(created.session.type).toBe('transcription');
    expect(created.session.audio.input.transcription.model).toBe('tiny-en');
    const { turn, transcript } = await commitSpokenTurn(rt, events, SECOND);
    rt.close();
    expect(events.filter((e) => e.type === 'error')).toEqual([]);
    expect(wordErrorRate(await heardByV1(turn, 24_000), transcript)).toBeLessThanOrEqual(MAX_STREAMING_WER);
    expect(wordErrorRate(SECOND, transcript)).toBeLessThanOrEqual(MAX_STREAMING_WER);
  }, 60_000);

  it('takes whisper-1 as the default model, as /v1/audio does', async () => {
    const { rt, events } = await openai6Realtime('whisper-1');
    await until(() => events.some((e) => e.type === 'session.created'), 'session.created');
    const created = events.find((e) => e.type === 'session.created') as unknown as {
      session: { audio: { input: { transcription: { model: string } } } };
    };
    expect(created.session.audio.input.transcription.model).toBe('tiny-en');
    rt.close();
  });

  it('refuses a model it does not serve (a speech-to-speech one) with a Realtime error event, then closes', async () => {
    const { rt, events } = await openai6Realtime('gpt-realtime');
    const [code] = (await once(rt.socket, 'close')) as [number];
    expect(code).toBe(1008);
    const errors = events.filter((e) => e.type === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]?.error).toMatchObject({
      type: 'invalid_request_error',
      code: 'model_not_found',
      param: 'model',
    });
    expect(errors[0]?.error?.message).toMatch(/gpt-realtime.*loaded: tiny-en/);
  });

  it('refuses an upgrade with neither intent nor model, or with a call_id, with 400', async () => {
    const open = (query: string) =>
      new WebSocket(`wss://127.0.0.1:${port}/v1/realtime${query}`, {
        ca: certs.ca,
        headers: { authorization: `Bearer ${API_KEY}` },
      });
    expect(await refusedWith(open(''))).toBe(400);
    expect(await refusedWith(open('?call_id=rtc_123'))).toBe(400);
    expect(await refusedWith(open('?intent=conversation'))).toBe(400);
  });
});

/** Open WebSocket sessions as GET /status reports them. */
async function websocketSessions(): Promise<number> {
  const response = await app.inject({
    method: 'GET',
    url: '/status',
    headers: { host: `127.0.0.1:${port}`, authorization: `Bearer ${API_KEY}` },
  });
  return (response.json() as { sessions: { by_transport: { websocket: number } } }).sessions.by_transport
    .websocket;
}

describe('GET /v1/realtime for clients of our own', () => {
  it('takes binary PCM16 frames as appends and transcribes what the client commits', async () => {
    const socket = rawSocket();
    const events: ServerEventLike[] = [];
    socket.on('message', (data) => events.push(JSON.parse(String(data))));
    await once(socket, 'open');
    socket.send(
      JSON.stringify({
        type: 'session.update',
        session: {
          type: 'transcription',
          audio: { input: { format: { type: 'audio/pcm', rate: 16000 }, turn_detection: null } },
        },
      }),
    );
    const rate = 16_000;
    for (const piece of pieces(speakPcm16(SECOND, rate), rate, 200)) socket.send(piece, { binary: true });
    socket.send(JSON.stringify({ type: 'input_audio_buffer.commit' }));
    const done = () => events.find((e) => e.type === 'conversation.item.input_audio_transcription.completed');
    await until(() => done() !== undefined, 'completed transcript');
    expect(events.map((e) => e.type)).not.toContain('error');
    expect(events.some((e) => e.type === 'input_audio_buffer.committed')).toBe(true);
    expect(wordErrorRate(SECOND, done()?.transcript ?? '')).toBeLessThanOrEqual(MAX_STREAMING_WER);
    socket.close();
    // The turn's audio counts as the key's live audio.
    const usage = await app.inject({
      method: 'GET',
      url: '/v1/usage',
      headers: { host: `127.0.0.1:${port}`, authorization: `Bearer ${API_KEY}` },
    });
    expect((usage.json() as { live_seconds: number }).live_seconds).toBeGreaterThan(1);
  }, 60_000);

  it('frees the session of a client that vanishes', async () => {
    const socket = rawSocket();
    const created = new Promise((resolve) => socket.once('message', resolve));
    await created;
    expect(await websocketSessions()).toBe(1);
    socket.terminate();
    await until(() => app.realtimeSessions.count === 0, 'the session to close', 5_000);
    expect(await websocketSessions()).toBe(0);
  });

  it('refuses the upgrade from a web page origin, and without a valid API key', async () => {
    expect(await refusedWith(rawSocket({ origin: 'https://evil.example' }))).toBe(403);
    expect(await refusedWith(rawSocket({ authorization: 'Bearer not-the-key-0123456789' }))).toBe(401);
    expect(await refusedWith(rawSocket({ authorization: '' }))).toBe(401);
  });
});
