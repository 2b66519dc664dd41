import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanWords, HealthResponseSchema } from '@earshot/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeys } from '../../../src/server/api-keys';
import { ObservedRecognizer } from '../../streaming/observed-recognizer';
import { writeLoopedSpeech } from '../../two-phrase-speech';
import { loadTinyEn } from '../helpers';
import { type DoorServer, startDoorServer, v1Words } from './door-server';

// Words tiny-en knows, with one said twice: the verbatim and clean transcripts differ there.
const SPOKEN = 'we like like to read a good book';

interface ReverbWord {
  word: string;
  start_time: number;
  end_time: number;
  confidence: number;
}
interface ReverbTranscript {
  words: ReverbWord[];
  transcript: string;
  verbatimicity: number;
}

let dir: string;
let wav: string;
let mp3: string;
let server: DoorServer;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'earshot-reverb-'));
  wav = join(dir, 'repeat.wav');
  mp3 = join(dir, 'repeat.mp3');
  execFileSync('espeak-ng', ['-v', 'en-us', '-s', '150', '-w', wav, SPOKEN]);
  execFileSync('ffmpeg', ['-loglevel', 'error', '-y', '-i', wav, '-ac', '2', '-ar', '44100', mp3]);
  server = await startDoorServer();
}, 60_000);

afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** `requests.post(url + '/ensemble', json={'audio_base64': ...})`, as Reverb's clients call it. */
function ensemble(body: unknown, headers: Record<string, string> = {}) {
  return fetch(`${server.url}/ensemble`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

describe('POST /ensemble, the Reverb service door', () => {
  it('answers verbatim and clean word lists of one decode: verbatim is what /v1 hears, clean drops the repeat', async () => {
    const response = await ensemble({ audio_base64: readFileSync(wav).toString('base64') });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { verbatim: ReverbTranscript; clean: ReverbTranscript };
    expect(Object.keys(body).sort()).toEqual(['clean', 'verbatim']);
    const { verbatim, clean } = body;
    expect(verbatim.verbatimicity).toBe(1);
    expect(clean.verbatimicity).toBe(0);
    for (const t of [verbatim, clean]) {
      expect(t.transcript).toBe(t.words.map((w) => w.word).join(' '));
      for (const w of t.words) {
        expect(Object.keys(w).sort()).toEqual(['confidence', 'end_time', 'start_time', 'word']);
        expect(w.end_time).toBeGreaterThanOrEqual(w.start_time);
        expect(w.confidence).toBeGreaterThan(0);
        expect(w.confidence).toBeLessThanOrEqual(1);
      }
    }

    const v1 = await v1Words(server.url, wav);
    expect(verbatim.words.map((w) => w.word)).toEqual(v1.words.map((w) => w.word));
    for (const [i, w] of verbatim.words.entries()) {
      expect(w.start_time).toBeCloseTo(v1.words[i]?.start ?? -1, 2);
      expect(w.end_time).toBeCloseTo(v1.words[i]?.end ?? -1, 2);
    }
    expect(verbatim.transcript.toLowerCase()).toContain('like like');
    // Earshot's clean rule, the one the extension's clean captions use, on the same words.
    expect(clean.words).toEqual(cleanWords(verbatim.words, (w) => w.word));
    expect(clean.words.length).toBe(verbatim.words.length - 1);
    expect(clean.transcript.toLowerCase()).not.toContain('like like');
  });

  it('takes anything ffmpeg reads, base64 wrapped at 76 characters as encoders write it', async () => {
    const wrapped = readFileSync(mp3).toString('base64').replace(/.{76}/g, '$&\n');
    const response = await ensemble({ audio_base64: wrapped });
    expect(response.status).toBe(200);
    const { verbatim } = (await response.json()) as { verbatim: ReverbTranscript };
    expect(verbatim.transcript.toLowerCase()).toContain('good book');
  });

  it('refuses bad base64 and audio it cannot decode with 400 naming the problem, a body without audio with 422', async () => {
    const badBase64 = await ensemble({ audio_base64: 'this is not base64!' });
    expect(badBase64.status).toBe(400);
    expect(((await badBase64.json()) as { detail: string }).detail).toMatch(/^Invalid base64/);

    const notAudio = await ensemble({
      audio_base64: Buffer.from('these are not the sounds you are looking for\n'.repeat(40)).toString(
        'base64',
      ),
    });
    expect(notAudio.status).toBe(400);
    expect(((await notAudio.json()) as { detail: string }).detail).toMatch(/audio|decode|ffmpeg/i);

    const empty = await ensemble({ audio_base64: '' });
    expect(empty.status).toBe(400);
    expect(((await empty.json()) as { detail: string }).detail).toMatch(/empty/);

    const missing = await ensemble({ audio: 'x' });
    expect(missing.status).toBe(422);
    expect(await missing.json()).toEqual({
      detail: [{ type: 'missing', loc: ['body', 'audio_base64'], msg: 'Field required' }],
    });
  });
});

describe("GET /health with the Reverb service's fields", () => {
  it("adds status, model_loaded and gpu (null on the CPU) and keeps every field Earshot's clients read", async () => {
    const response = await fetch(`${server.url}/health`);
    const health = (await response.json()) as Record<string, unknown>;
    expect(HealthResponseSchema.parse(health)).toMatchObject({
      status: 'ok',
      model: 'tiny-en',
      device: 'cpu',
    });
    expect(health).toMatchObject({ status: 'ok', model_loaded: true, gpu: null, model_name: 'tiny-en' });
  });
});

describe('the Reverb door with API keys on', () => {
  it('needs the key like every other route, answering in FastAPI form without it', async () => {
    const keyed = await startDoorServer({
      apiKeys: new ApiKeys([{ name: 'lab', key: 'reverb-key-0123456789' }]),
    });
    try {
      const body = JSON.stringify({ audio_base64: readFileSync(wav).toString('base64') });
      const post = (headers: Record<string, string>) =>
        fetch(`${keyed.url}/ensemble`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers },
          body,
        });
      const refused = await post({});
      expect(refused.status).toBe(401);
      expect(((await refused.json()) as { detail: string }).detail).toMatch(/API key/);
      expect((await post({ authorization: 'Bearer reverb-key-0123456789' })).status).toBe(200);
      expect((await fetch(`${keyed.url}/health`)).status).toBe(200);
    } finally {
      await keyed.close();
    }
  }, 60_000);
});

describe('a Reverb client that goes away', () => {
  let observed: ObservedRecognizer;
  let quitting: DoorServer;

  beforeAll(async () => {
    observed = new ObservedRecognizer(await loadTinyEn());
    quitting = await startDoorServer({ recognizer: observed });
  }, 60_000);

  afterAll(async () => {
    await quitting?.close();
  });

  it('stops the decoding of its file, and the server goes on answering', async () => {
    const long = writeLoopedSpeech(wav, 150);
    const fileSeconds = Number(
      execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', long], {
        encoding: 'utf8',
      }),
    );
    const client = new AbortController();
    const answer = fetch(`${quitting.url}/ensemble`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ audio_base64: readFileSync(long).toString('base64') }),
      signal: client.signal,
    }).catch(() => null);
    await until(() => observed.windowSeconds.length > 0);
    client.abort();
    expect(await answer).toBeNull();
    // Once the abort has reached the file, no more of it is decoded: nothing new for 3 s.
    let decoded = -1;
    await until(() => {
      const now = observed.windowSeconds.length;
      const settled = now === decoded;
      decoded = now;
      return settled;
    }, 3000);
    const decodedSeconds = observed.windowSeconds.reduce((sum, s) => sum + s, 0);
    expect(decodedSeconds).toBeLessThan(fileSeconds / 2);

    const next = await fetch(`${quitting.url}/ensemble`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ audio_base64: readFileSync(wav).toString('base64') }),
    });
    expect(next.status).toBe(200);
  }, 120_000);
});

async function until(done: () => boolean, everyMs = 50): Promise<void> {
  for (let tries = 0; tries < 600; tries++) {
    if (done()) return;
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  throw new Error('gave up waiting');
}
