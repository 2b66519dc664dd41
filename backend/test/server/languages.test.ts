import { once } from 'node:events';
import { createReadStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type AsrStreamRequest,
  AsrStreamResponseSchema,
  type Segment,
  StatusResponseSchema,
} from '@earshot/shared';
import type { FastifyInstance } from 'fastify';
import OpenAI, { BadRequestError } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { loadModelRecognizer, SileroVad } from '../../src/engine';
import type { Recognizer } from '../../src/engine/types';
import { buildApp } from '../../src/server/app';
import { lines, runCli } from '../cli/run-cli';
import { concat, silence, speak } from '../engine/speech-audio';
import { samplesToWebm } from '../sessions/webm-fixture';
import { canaryBarNote, GERMAN, TINY_CANARY_DIR, tinyCanaryBelowBar } from '../tiny-canary-status';
import { chunkRequest, loadTinyEn, wordErrorRate } from './helpers';

const SPOKEN = GERMAN.slice(0, 2);
let dir: string;
let wav: string;
let webm: Buffer;
let canary: Recognizer;
let tinyEn: Recognizer;
let vad: SileroVad;
let app: FastifyInstance;
let base: string;
let client: OpenAI;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'earshot-languages-'));
  const samples = concat(
    silence(0.5),
    speak(SPOKEN[0]?.de ?? '', { voice: 'de' }),
    silence(1),
    speak(SPOKEN[1]?.de ?? '', { voice: 'de' }),
    silence(0.5),
  );
  webm = samplesToWebm(samples);
  wav = join(dir, 'german.wav');
  writeFileSync(wav, wavFile(samples));
  [canary, tinyEn, vad] = await Promise.all([
    loadModelRecognizer(
      {
        id: 'tiny-canary',
        dir: TINY_CANARY_DIR,
        encoderFile: 'encoder-model.onnx',
        decoderFile: 'decoder-model.onnx',
      },
      'cpu',
    ),
    loadTinyEn(),
    SileroVad.load(),
  ]);
  app = await buildApp({
    recognizer: canary,
    moreRecognizers: [tinyEn],
    nvidiaModels: { parakeet: 'tiny-en', canary: 'tiny-canary' },
    config: { host: '127.0.0.1' },
    createVadStream: () => vad.createStream(),
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  client = new OpenAI({ baseURL: `${base}/v1`, apiKey: 'local', maxRetries: 0 });
}, 120_000);

afterAll(async () => {
  await app?.close();
  await Promise.all([canary?.release(), tinyEn?.release(), vad?.release()]);
  rmSync(dir, { recursive: true, force: true });
});

async function post(path: string, body: unknown): Promise<Response> {
  return fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

async function status() {
  const response = await fetch(`${base}/status`);
  return StatusResponseSchema.parse(await response.json());
}

/** Streams the German recording through /asr/stream in quarter-second pieces, as the extension does. */
async function streamRecording(extra: Partial<AsrStreamRequest>, id: string) {
  const pieces: Buffer[] = [];
  for (let at = 0; at < webm.length; at += 1500) pieces.push(webm.subarray(at, at + 1500));
  const finals = new Map<string, Segment>();
  const originals = new Map<string, Segment>();
  for (const [seq, piece] of pieces.entries()) {
    const response = await post(
      '/asr/stream',
      chunkRequest(seq, piece, { recording_id: id, final: seq === pieces.length - 1, ...extra }),
    );
    expect(response.status, await response.clone().text()).toBe(200);
    const answer = AsrStreamResponseSchema.parse(await response.json());
    for (const s of answer.segments) if (s.final) finals.set(s.id, s);
    for (const s of answer.original_segments ?? []) if (s.final) originals.set(s.id, s);
  }
  const text = (m: Map<string, Segment>) => [...m.values()].map((s) => s.text).join(' ');
  return { text: text(finals), original: text(originals), originals: originals.size };
}

describe('languages through /status', () => {
  it('says what each model does with languages and how its word times are obtained', async () => {
    const models = (await status()).models;
    expect(models.find((m) => m.id === 'tiny-canary')?.languages).toEqual({
      spoken: ['en', 'de'],
      detects: false,
      translates: { en: ['de'], de: ['en'] },
      default_language: 'en',
      default_target_language: null,
      word_times: 'spread',
    });
    expect(models.find((m) => m.id === 'tiny-en')?.languages).toBeNull();
  });
});

describe('/v1/audio with a language and a target language, through the openai client', () => {
  it('reports the languages and estimated word times in verbose_json', async () => {
    const transcript = (await client.audio.transcriptions.create({
      file: createReadStream(wav),
      model: 'tiny-canary',
      language: 'de',
      response_format: 'verbose_json',
      timestamp_granularities: ['word'],
    })) as unknown as Record<string, unknown>;
    expect(transcript).toMatchObject({ task: 'transcribe', language: 'de', word_times: 'spread' });
    expect(transcript).not.toHaveProperty('target_language');
    const translation = (await client.audio.translations.create({
      file: createReadStream(wav),
      model: 'tiny-canary',
      response_format: 'verbose_json',
      // Not an OpenAI field: the spoken language, which Canary must be told.
      ...({ language: 'de' } as object),
    })) as unknown as Record<string, unknown>;
    expect(translation).toMatchObject({ task: 'translate', language: 'de', target_language: 'en' });
  });

  it('refuses in one line a language or a translation the model cannot do, naming the field', async () => {
    const refused = async (request: Promise<unknown>) => {
      const error = await request.then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(BadRequestError);
      return error as BadRequestError;
    };
    const language = await refused(
      client.audio.transcriptions.create({
        file: createReadStream(wav),
        model: 'tiny-canary',
        language: 'fr',
      }),
    );
    expect(language).toMatchObject({ code: 'unsupported_language', param: 'language' });
    expect(language.message).toMatch(/tiny-canary does not know language "fr" \(it knows en, de\)/);
    const target = await refused(
      client.audio.transcriptions.create({
        file: createReadStream(wav),
        model: 'tiny-canary',
        language: 'de',
        ...({ target_language: 'fr' } as object),
      }),
    );
    expect(target).toMatchObject({ code: 'translation_unsupported', param: 'target_language' });
    expect(target.message).not.toContain('\n');
    const parakeet = await refused(
      client.audio.translations.create({ file: createReadStream(wav), model: 'tiny-en' }),
    );
    expect(parakeet.code).toBe('translation_unsupported');
  });
});

describe('/asr/stream recordings in a chosen language', () => {
  it('answers dual captions: the translation in segments, the spoken language in original_segments', async () => {
    const dual = await streamRecording({ language: 'de', target_language: 'en', dual: true }, 'dual-1');
    expect(dual.text.length).toBeGreaterThan(0);
    expect(dual.originals).toBeGreaterThan(0);
  });

  it('shows the chosen languages of open recordings in /status', async () => {
    const open = await post(
      '/asr/stream',
      chunkRequest(0, webm.subarray(0, 3000), {
        recording_id: 'status-1',
        language: 'de',
        target_language: 'en',
        dual: true,
      }),
    );
    expect(open.status).toBe(200);
    expect((await status()).sessions.by_language).toContainEqual({
      language: 'de',
      target_language: 'en',
      dual: true,
      sessions: 1,
    });
    // A recording keeps its languages: another one mid-way is refused, and says how to change them.
    const changed = await post(
      '/asr/stream',
      chunkRequest(1, webm.subarray(3000, 6000), {
        recording_id: 'status-1',
        language: 'en',
      }),
    );
    expect(changed.status).toBe(409);
    expect(((await changed.json()) as { error: { message: string } }).error.message).toMatch(
      /keeps its language until it ends; start a new recording/,
    );
  });

  it('refuses a recording in a language the model does not know, or a translation it cannot make', async () => {
    const language = await post(
      '/asr/stream',
      chunkRequest(0, webm.subarray(0, 3000), { recording_id: 'fr-1', language: 'fr' }),
    );
    expect(language.status).toBe(400);
    expect(await language.json()).toEqual({
      error: {
        code: 'unsupported_language',
        message: 'tiny-canary does not know language "fr" (it knows en, de)',
      },
    });
    const translation = await post(
      '/asr/stream',
      chunkRequest(0, webm.subarray(0, 3000), {
        recording_id: 'tiny-en-1',
        model: 'tiny-en',
        target_language: 'de',
      }),
    );
    expect(translation.status).toBe(400);
    expect(((await translation.json()) as { error: { code: string } }).error.code).toBe(
      'translation_unsupported',
    );
  });
});

describe('realtime session.update with a language and a target language', () => {
  it('reports them in session.updated, and refuses one the model cannot do', async () => {
    const socket = new WebSocket(`${base.replace('http', 'ws')}/v1/realtime?intent=transcription`);
    const events: { type: string; session?: unknown; error?: { code?: string; param?: string } }[] = [];
    socket.on('message', (data) => events.push(JSON.parse(String(data))));
    await once(socket, 'open');
    const update = (transcription: Record<string, unknown>) =>
      socket.send(
        JSON.stringify({
          type: 'session.update',
          session: { type: 'transcription', audio: { input: { transcription } } },
        }),
      );
    update({ language: 'de', target_language: 'en' });
    await until(() => events.some((e) => e.type === 'session.updated'));
    const updated = events.find((e) => e.type === 'session.updated')?.session as {
      audio: { input: { transcription: unknown } };
    };
    expect(updated.audio.input.transcription).toMatchObject({
      model: 'tiny-canary',
      language: 'de',
      target_language: 'en',
    });
    update({ language: 'fr' });
    await until(() => events.some((e) => e.type === 'error'));
    expect(events.find((e) => e.type === 'error')?.error).toMatchObject({
      code: 'unsupported_language',
      param: 'session.audio.input.transcription.language',
    });
    socket.close();
  });
});

describe("the NVIDIA ASR server door's model=canary", () => {
  const transcribe = async (fields: Record<string, string>) => {
    const form = new FormData();
    form.append('file', new Blob([readFileSync(wav)]), 'german.wav');
    for (const [name, value] of Object.entries(fields)) form.append(name, value);
    return fetch(`${base}/transcribe`, { method: 'POST', body: form });
  };

  it('runs the Canary model in the language asked, and refuses one it does not know naming its own', async () => {
    const german = await transcribe({ model: 'canary', language: 'de' });
    expect(german.status, await german.clone().text()).toBe(200);
    expect(await german.json()).toMatchObject({ text: expect.any(String), filename: 'german.wav' });
    const french = await transcribe({ model: 'canary', language: 'fr' });
    expect(french.status).toBe(400);
    // tiny-canary's languages, not tiny-en's "English only": canary is the Canary model here.
    expect(((await french.json()) as { detail: string }).detail).toBe(
      'tiny-canary does not know language "fr" (it knows en, de)',
    );
  });
});

describe('earshot transcribe --language --target-language', () => {
  it('refuses a translation the model cannot make, in one line', async () => {
    const run = await runCli(
      ['transcribe', wav, '--model', 'tiny-canary', '--language', 'de', '--target-language', 'fr'],
      { HF_HUB_OFFLINE: '1' },
    );
    expect(run.code).not.toBe(0);
    expect(lines(run.stderr)).toEqual([
      expect.stringMatching(/tiny-canary cannot translate from de into fr/),
    ]);
  });
});

describe.skipIf(tinyCanaryBelowBar !== undefined)(
  `German speech in German and in English${canaryBarNote}`,
  () => {
    const german = SPOKEN.map((s) => s.de).join(' ');
    const english = SPOKEN.map((s) => s.en).join(' ');

    it('transcribes and translates a file through /v1/audio', async () => {
      const transcript = await client.audio.transcriptions.create({
        file: createReadStream(wav),
        model: 'tiny-canary',
        language: 'de',
      });
      expect(wordErrorRate(german, transcript.text)).toBeLessThanOrEqual(0.3);
      const translation = await client.audio.translations.create({
        file: createReadStream(wav),
        model: 'tiny-canary',
        ...({ language: 'de' } as object),
      });
      expect(wordErrorRate(english, translation.text)).toBeLessThanOrEqual(0.4);
    });

    it('captions a live recording in German, in English, and both at once', async () => {
      const inGerman = await streamRecording({ language: 'de' }, 'de-1');
      expect(wordErrorRate(german, inGerman.text)).toBeLessThanOrEqual(0.35);
      const dual = await streamRecording({ language: 'de', target_language: 'en', dual: true }, 'dual-2');
      expect(wordErrorRate(english, dual.text)).toBeLessThanOrEqual(0.45);
      expect(wordErrorRate(german, dual.original)).toBeLessThanOrEqual(0.35);
    });

    it('translates with the command line', async () => {
      const run = await runCli(
        ['transcribe', wav, '--model', 'tiny-canary', '--language', 'de', '--target-language', 'en'],
        { HF_HUB_OFFLINE: '1' },
      );
      expect(run.code, run.stderr).toBe(0);
      expect(wordErrorRate(english, run.stdout)).toBeLessThanOrEqual(0.4);
    });
  },
);

async function until(check: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** 16 kHz mono 16-bit WAV bytes of float samples. */
function wavFile(samples: Float32Array): Buffer {
  const data = Buffer.alloc(samples.length * 2);
  samples.forEach((x, i) => {
    data.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round(x * 32767))), i * 2);
  });
  const header = Buffer.alloc(44);
  header.write('RIFF', 0);
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVEfmt ', 8);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(16000, 24);
  header.writeUInt32LE(32000, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36);
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
}
