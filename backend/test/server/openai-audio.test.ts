import { createReadStream, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { AutoTokenizer, env, type PreTrainedTokenizer } from '@huggingface/transformers';
import type { FastifyInstance } from 'fastify';
import OpenAI, { APIError, BadRequestError, NotFoundError } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadWhisperRecognizer, SileroVad } from '../../src/engine';
import type { Recognizer } from '../../src/engine/types';
import { buildApp } from '../../src/server/app';
import { ctmProblems, ctmWords } from '../ctm-validator';
import { tinyWhisperDir } from '../engine/whisper-model';
import { mediaSeconds, twoPhraseRecall, writeTwoPhraseSpeech } from '../two-phrase-speech';
import { loadTinyEn } from './helpers';

const MAX_UPLOAD = 2 * 1024 * 1024;

const systemTmp = tmpdir();
let dir: string;
let wav: string;
let recognizer: Recognizer;
let vad: SileroVad;
let app: FastifyInstance;
let baseUrl: string;
let client: OpenAI;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'earshot-openai-audio-'));
  wav = writeTwoPhraseSpeech(dir);
  writeFileSync(join(dir, 'empty.wav'), '');
  writeFileSync(join(dir, 'notes.wav'), 'these are not the sounds you are looking for\n'.repeat(50));
  writeFileSync(join(dir, 'huge.wav'), Buffer.alloc(MAX_UPLOAD + 1024, 1));

  // Uploads go to the temporary directory; this test process's own, so only its uploads are seen.
  process.env.TMPDIR = mkdtempSync(join(dir, 'tmp-'));
  [recognizer, vad] = await Promise.all([loadTinyEn(), SileroVad.load()]);
  app = await buildApp({
    recognizer,
    config: { host: '127.0.0.1', maxUploadBytes: MAX_UPLOAD },
    createVadStream: () => vad.createStream(),
  });
  baseUrl = await app.listen({ host: '127.0.0.1', port: 0 });
  // The official client, unchanged but for where it connects; no retries, so refusals surface at once.
  client = new OpenAI({ baseURL: `${baseUrl}/v1`, apiKey: 'unused-locally', maxRetries: 0 });
}, 60_000);

afterAll(async () => {
  await app?.close();
  await Promise.all([recognizer?.release(), vad?.release()]);
  rmSync(dir, { recursive: true, force: true });
  process.env.TMPDIR = systemTmp;
});

const file = (name: string) => createReadStream(join(dir, name));

const recall = twoPhraseRecall;
const durationOf = mediaSeconds;

describe('POST /v1/audio/transcriptions through the openai client', () => {
  it('answers json with the words spoken, for whisper-1 (the served model) and its own id, from wav and mp3', async () => {
    const byAlias = await client.audio.transcriptions.create({
      file: file('speech.wav'),
      model: 'whisper-1',
    });
    expect(recall(byAlias.text)).toBeGreaterThanOrEqual(0.6);
    expect(byAlias.usage).toEqual({ type: 'duration', seconds: Math.ceil(durationOf(wav)) });
    const byId = await client.audio.transcriptions.create({ file: file('speech.mp3'), model: 'tiny-en' });
    expect(recall(byId.text)).toBeGreaterThanOrEqual(0.6);
  });

  it('accepts a prompt on Parakeet and ignores it: the transcript is the same', async () => {
    const plain = await client.audio.transcriptions.create({ file: file('speech.wav'), model: 'whisper-1' });
    const prompted = await client.audio.transcriptions.create({
      file: file('speech.wav'),
      model: 'whisper-1',
      prompt: 'A talk about the weather, with names like Earshot.',
    });
    expect(prompted.text).toBe(plain.text);
  });

  it('answers text, srt and vtt as the text OpenAI sends, one cue per phrase', async () => {
    const text = await client.audio.transcriptions.create({
      file: file('speech.wav'),
      model: 'whisper-1',
      response_format: 'text',
    });
    expect(typeof text).toBe('string');
    expect(text.endsWith('\n')).toBe(true);
    expect(recall(text)).toBeGreaterThanOrEqual(0.6);

    const srt = await client.audio.transcriptions.create({
      file: file('speech.wav'),
      model: 'whisper-1',
      response_format: 'srt',
    });
    const cues = srt.trim().split(/\n\n/);
    expect(cues).toHaveLength(2);
    expect(cues[0]).toMatch(/^1\n00:00:\d{2},\d{3} --> 00:00:\d{2},\d{3}\n.+/);

    const vtt = await client.audio.transcriptions.create({
      file: file('speech.wav'),
      model: 'whisper-1',
      response_format: 'vtt',
    });
    expect(vtt.startsWith('WEBVTT')).toBe(true);
    expect(vtt.match(/\d{2}:\d{2}\.\d{3} --> /g)).toHaveLength(2);
  });

  it('answers verbose_json with OpenAI fields, word and segment timestamps inside the audio', async () => {
    const verbose = await client.audio.transcriptions.create({
      file: file('speech.wav'),
      model: 'whisper-1',
      response_format: 'verbose_json',
      timestamp_granularities: ['word', 'segment'],
    });
    const duration = durationOf(wav);
    expect(verbose).toMatchObject({ task: 'transcribe', language: 'en' });
    expect(verbose.duration).toBeCloseTo(duration, 1);
    const segments = verbose.segments ?? [];
    const words = verbose.words ?? [];
    expect(segments).toHaveLength(2);
    expect(words.map((w) => w.word).join(' ')).toBe(verbose.text);
    for (const [i, w] of words.entries()) {
      expect(Object.keys(w).sort()).toEqual(['end', 'start', 'word']);
      expect(w.end).toBeGreaterThanOrEqual(w.start);
      expect(w.end).toBeLessThanOrEqual(duration + 0.1);
      if (i > 0) expect(w.start).toBeGreaterThanOrEqual(words[i - 1]?.end ?? 0);
    }
    // The second phrase starts after the 1.5 s pause that follows the first.
    expect((segments[1]?.start ?? 0) - (segments[0]?.end ?? 0)).toBeGreaterThan(1);
    for (const [id, s] of segments.entries()) {
      expect(Object.keys(s).sort()).toEqual(
        [
          'avg_logprob',
          'compression_ratio',
          'end',
          'id',
          'no_speech_prob',
          'seek',
          'start',
          'temperature',
          'text',
          'tokens',
        ].sort(),
      );
      expect(s.id).toBe(id);
      expect(s.tokens.length).toBeGreaterThan(0);
      expect(s.tokens.every((t) => Number.isInteger(t) && t >= 0)).toBe(true);
      expect(s.avg_logprob).toBeLessThanOrEqual(0);
      expect(s.avg_logprob).toBeGreaterThan(-10);
      expect(s.compression_ratio).toBeGreaterThan(0);
      expect(s.temperature).toBe(0);
      expect(s.seek).toBeLessThanOrEqual(Math.round(s.start * 100));
    }
    expect(segments.map((s) => s.text).join(' ')).toBe(verbose.text);
  });

  it("answers ctm as sctk's validator accepts it: verbose_json's words, named after the upload", async () => {
    const form = new FormData();
    form.append('file', new Blob([readFileSync(join(dir, 'speech.wav'))]), 'my talk.wav');
    form.append('model', 'whisper-1');
    form.append('response_format', 'ctm');
    const response = await fetch(`${baseUrl}/v1/audio/transcriptions`, { method: 'POST', body: form });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    const ctm = await response.text();
    expect(ctmProblems(ctm)).toBeNull();
    const verbose = await client.audio.transcriptions.create({
      file: file('speech.wav'),
      model: 'whisper-1',
      response_format: 'verbose_json',
      timestamp_granularities: ['word'],
    });
    const rows = ctmWords(ctm);
    expect(rows.map((r) => r.word)).toEqual(verbose.words?.map((w) => w.word));
    expect(new Set(rows.map((r) => r.file))).toEqual(new Set(['my_talk']));
    for (const [i, row] of rows.entries()) expect(row.start).toBeCloseTo(verbose.words?.[i]?.start ?? -1, 1);
  });

  it('gives segments only, by default, in verbose_json', async () => {
    const verbose = await client.audio.transcriptions.create({
      file: file('speech.wav'),
      model: 'whisper-1',
      response_format: 'verbose_json',
    });
    expect(verbose.segments?.length).toBe(2);
    expect(verbose.words).toBeUndefined();
  });

  it('streams a delta per stretch of speech, then the whole text', async () => {
    const events = await client.audio.transcriptions.create({
      file: file('speech.wav'),
      model: 'whisper-1',
      stream: true,
    });
    const seen: { type: string; delta?: string; text?: string }[] = [];
    for await (const event of events) seen.push(event);
    const deltas = seen.filter((e) => e.type === 'transcript.text.delta');
    expect(deltas.length).toBe(2);
    expect(seen.at(-1)?.type).toBe('transcript.text.done');
    expect(seen.filter((e) => e.type === 'transcript.text.done')).toHaveLength(1);
    const done = seen.at(-1)?.text ?? '';
    expect(deltas.map((e) => e.delta).join('')).toBe(done);
    expect(recall(done)).toBeGreaterThanOrEqual(0.6);
  });
});

describe('/v1 refusals raise the openai client exception classes', () => {
  const refusal = async (request: Promise<unknown>) => {
    const error = await request.then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(APIError);
    return error as APIError;
  };

  it('translation on a model that cannot translate: 400', async () => {
    const error = await refusal(
      client.audio.translations.create({ file: file('speech.wav'), model: 'whisper-1' }),
    );
    expect(error).toBeInstanceOf(BadRequestError);
    expect(error.code).toBe('translation_unsupported');
    expect(error.message).toMatch(/tiny-en .*cannot translate/);
  });

  it('an unknown model: 404; a known model that is not loaded: 400 saying how to load it', async () => {
    const unknown = await refusal(
      client.audio.transcriptions.create({ file: file('speech.wav'), model: 'gpt-9-ears' }),
    );
    expect(unknown).toBeInstanceOf(NotFoundError);
    expect(unknown).toMatchObject({ code: 'model_not_found', param: 'model', type: 'invalid_request_error' });

    const other = await refusal(
      client.audio.transcriptions.create({ file: file('speech.wav'), model: 'parakeet-tdt-0.6b-v2' }),
    );
    expect(other).toBeInstanceOf(BadRequestError);
    expect(other.code).toBe('model_not_loaded');
    expect(other.message).toContain('POST /v1/models/parakeet-tdt-0.6b-v2/load');
  });

  it('an unsupported response_format or a language the model does not hear: 400 naming the field', async () => {
    const format = await refusal(
      client.audio.transcriptions.create({
        file: file('speech.wav'),
        model: 'whisper-1',
        response_format: 'diarized_json',
      }),
    );
    expect(format).toBeInstanceOf(BadRequestError);
    expect(format).toMatchObject({ code: 'unsupported_response_format', param: 'response_format' });

    const language = await refusal(
      client.audio.transcriptions.create({ file: file('speech.wav'), model: 'whisper-1', language: 'de' }),
    );
    expect(language).toBeInstanceOf(BadRequestError);
    expect(language).toMatchObject({ code: 'unsupported_language', param: 'language' });
  });

  it('a prompt longer than 4096 characters: 400 naming the field', async () => {
    const error = await refusal(
      client.audio.transcriptions.create({
        file: file('speech.wav'),
        model: 'whisper-1',
        prompt: 'so many words '.repeat(300),
      }),
    );
    expect(error).toBeInstanceOf(BadRequestError);
    expect(error).toMatchObject({ code: 'invalid_value', param: 'prompt' });
    expect(error.message).toContain('4096');
  });

  it('an empty or undecodable file: 400 naming the file as the client sent it', async () => {
    const empty = await refusal(
      client.audio.transcriptions.create({ file: file('empty.wav'), model: 'whisper-1' }),
    );
    expect(empty).toBeInstanceOf(BadRequestError);
    expect(empty).toMatchObject({ code: 'empty_file', param: 'file' });

    const junk = await refusal(
      client.audio.transcriptions.create({ file: file('notes.wav'), model: 'whisper-1' }),
    );
    expect(junk).toBeInstanceOf(BadRequestError);
    expect(junk.code).toBe('invalid_file');
    expect(junk.message).toContain('notes.wav');
    expect(junk.message).not.toContain('earshot-upload-');
  });

  it('a file over the upload limit: 413, and nothing of it is left on disk', async () => {
    const error = await refusal(
      client.audio.transcriptions.create({ file: file('huge.wav'), model: 'whisper-1' }),
    );
    expect(error.status).toBe(413);
    expect(error.code).toBe('file_too_large');
    expect(uploadDirs()).toEqual([]);
  });

  it('keeps the Earshot error shape off /v1 and the OpenAI shape on it', async () => {
    const earshot = await fetch(`${baseUrl}/no-such-route`);
    expect(await earshot.json()).toEqual({
      error: { code: 'not_found', message: 'no route for GET /no-such-route' },
    });
    const openai = await fetch(`${baseUrl}/v1/no-such-route`);
    expect(openai.status).toBe(404);
    expect(await openai.json()).toEqual({
      error: {
        message: 'no route for GET /v1/no-such-route',
        type: 'invalid_request_error',
        param: null,
        code: 'not_found',
      },
    });
  });
});

const uploadDirs = () => readdirSync(tmpdir()).filter((name) => name.startsWith('earshot-upload-'));

describe('prompt on a Whisper model, through the openai client', () => {
  let whisper: Recognizer;
  let whisperApp: FastifyInstance;
  let whisperClient: OpenAI;
  const decoderPrompts: number[][] = [];
  let special: Map<string, number>;
  let tokenizer: PreTrainedTokenizer;

  beforeAll(async () => {
    const modelDir = tinyWhisperDir();
    const json = JSON.parse(readFileSync(join(modelDir, 'tokenizer.json'), 'utf8')) as {
      added_tokens: { id: number; content: string }[];
    };
    special = new Map(json.added_tokens.map((t) => [t.content, t.id]));
    env.allowRemoteModels = false;
    env.localModelPath = dirname(modelDir);
    tokenizer = await AutoTokenizer.from_pretrained(basename(modelDir));
    whisper = await loadWhisperRecognizer({
      modelDir,
      modelId: 'tiny-whisper',
      device: 'cpu',
      maxNewTokens: 16,
      guards: {
        compressionRatioThreshold: null,
        logProbThreshold: null,
        noSpeechThreshold: null,
        temperatures: [0],
      },
      onGenerate: (requests) => decoderPrompts.push(...requests.map((r) => [...r.prompt])),
    });
    whisperApp = await buildApp({
      recognizer: whisper,
      config: { host: '127.0.0.1', maxUploadBytes: MAX_UPLOAD },
      createVadStream: () => vad.createStream(),
    });
    const url = await whisperApp.listen({ host: '127.0.0.1', port: 0 });
    whisperClient = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'unused-locally', maxRetries: 0 });
  }, 120_000);

  afterAll(async () => {
    await whisperApp?.close();
    await whisper?.release();
  });

  it('conditions every window of the file on the prompt, after <|startofprev|>', async () => {
    const plain = await whisperClient.audio.transcriptions.create({
      file: file('speech.wav'),
      model: 'whisper-1',
    });
    expect(decoderPrompts.length).toBeGreaterThan(0);
    for (const prompt of decoderPrompts) expect(prompt).toEqual([special.get('<|startoftranscript|>')]);

    decoderPrompts.length = 0;
    const prompted = await whisperClient.audio.transcriptions.create({
      file: file('speech.wav'),
      model: 'whisper-1',
      prompt: 'Earshot',
    });
    // One window per stretch of speech, each opened by <|startofprev|> and the prompt's text tokens.
    expect(decoderPrompts.length).toBeGreaterThanOrEqual(2);
    const expected = [
      special.get('<|startofprev|>'),
      ...tokenizer.encode(' Earshot', { add_special_tokens: false }),
      special.get('<|startoftranscript|>'),
    ];
    for (const prompt of decoderPrompts) expect(prompt).toEqual(expected);
    expect(prompted.text).not.toBe(plain.text);
  });
});
