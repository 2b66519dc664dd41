import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRecognizer } from '../../../src/engine';
import { ApiKeys } from '../../../src/server/api-keys';
import { buildApp } from '../../../src/server/app';
import { cutAtArbitraryOffsets, ONE_SECOND_OF_WEBM, speechWebm } from '../../sessions/webm-fixture';
import { ObservedRecognizer } from '../../streaming/observed-recognizer';
import { twoPhraseRecall, writeTwoPhraseSpeech } from '../../two-phrase-speech';
import { chunkRequest } from '../helpers';

const LEVEL_WORDS_DIR = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../fixtures/scripted/level-words',
);
const KEY = 'mvp-stack-key-0123456789';

let dir: string;
let wav: string;
let levelWords: ObservedRecognizer;
let app: FastifyInstance;
let url: string;
let pieces: Buffer[];

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'earshot-mvp-stack-'));
  wav = writeTwoPhraseSpeech(dir);
  const { webm } = await speechWebm('the dog ran to the park and the cat sat on the mat by the door');
  pieces = cutAtArbitraryOffsets(webm, ONE_SECOND_OF_WEBM, 3);
  // A scripted model that hears no English is the default; tiny-en comes from the model store.
  levelWords = new ObservedRecognizer(
    await loadRecognizer({ modelDir: LEVEL_WORDS_DIR, modelId: 'level-words', device: 'cpu' }),
  );
  app = await buildApp({
    recognizer: levelWords,
    config: { host: '127.0.0.1' },
    apiKeys: new ApiKeys([{ name: 'stack', key: KEY }]),
  });
  url = await app.listen({ host: '127.0.0.1', port: 0 });
}, 60_000);

afterAll(async () => {
  await app?.close();
  await levelWords?.release();
  rmSync(dir, { recursive: true, force: true });
});

const auth = { authorization: `Bearer ${KEY}` };

/** `curl -X POST -H "Authorization: Bearer <key>" -H "Content-Type: application/json" -d '{"model_id": …}'` */
function switchTo(body: unknown, headers: Record<string, string> = auth) {
  return fetch(`${url}/v1/models/switch`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

/** `curl -H "Authorization: Bearer <key>" -F "file=@audio.wav" …/v1/audio/transcriptions` (no model). */
async function transcribe(): Promise<string> {
  const form = new FormData();
  form.append('file', new Blob([readFileSync(wav)]), 'audio.wav');
  form.append('model', 'whisper-1');
  const response = await fetch(`${url}/v1/audio/transcriptions`, {
    method: 'POST',
    headers: auth,
    body: form,
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { text: string }).text;
}

describe('POST /v1/models/switch, the MVP STT stack door', () => {
  it('loads a model that is not loaded, makes it the default for requests naming none, and live recordings keep theirs', async () => {
    const post = (seq: number) =>
      fetch(`${url}/asr/stream`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...auth },
        body: JSON.stringify(
          chunkRequest(seq, pieces[seq] as Buffer, {
            recording_id: 'before',
            final: seq === pieces.length - 1,
          }),
        ),
      });
    // A recording on the default (level-words) starts before the switch.
    expect((await post(0)).status).toBe(200);
    expect(twoPhraseRecall(await transcribe())).toBeLessThan(0.3);

    const response = await switchTo({ model_id: 'tiny-en' });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      id: 'tiny-en',
      object: 'model',
      loaded: true,
      default: true,
    });
    const health = (await (await fetch(`${url}/health`)).json()) as { model: string };
    expect(health.model).toBe('tiny-en');
    expect(twoPhraseRecall(await transcribe())).toBeGreaterThanOrEqual(0.6);

    const before = levelWords.batches.length;
    for (let seq = 1; seq < pieces.length; seq++) expect((await post(seq)).status).toBe(200);
    expect(levelWords.batches.length).toBeGreaterThan(before);

    // Back to a model that is loaded: at once.
    const back = await switchTo({ model_id: 'level-words' });
    expect(back.status).toBe(200);
    expect(await back.json()).toMatchObject({ id: 'level-words', default: true });
  }, 60_000);

  it('refuses an unknown model with 404, a body without model_id with 400, and a caller without a key with 401', async () => {
    const unknown = await switchTo({ model_id: 'parakeet-tdt-9b' });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({
      error: { code: 'model_not_found', type: 'invalid_request_error', param: 'model' },
    });
    const noId = await switchTo({ model: 'tiny-en' });
    expect(noId.status).toBe(400);
    expect(((await noId.json()) as { error: { message: string } }).error.message).toMatch(/model_id/);
    expect((await switchTo({ model_id: 'tiny-en' }, {})).status).toBe(401);
  });
});
