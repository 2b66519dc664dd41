import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { twoPhraseRecall, writeLoopedSpeech, writeTwoPhraseSpeech } from '../../two-phrase-speech';
import { type DoorServer, startDoorServer } from './door-server';

interface Transcription {
  text: string;
  segments: { start: number; end: number; text: string }[];
  filename: string;
  timestamp: string;
}
interface JobStatus {
  job_id: string;
  status: string;
  filename: string;
  created_at: string;
  completed_at: string | null;
  error: string | null;
  result: Transcription | null;
}

let dir: string;
let wav: string;
let mp3: string;
let long: string;
let server: DoorServer;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'earshot-nvidia-asr-'));
  wav = writeTwoPhraseSpeech(dir);
  mp3 = join(dir, 'speech.mp3');
  // Five minutes of the two phrases: a job long enough to be caught processing, and one behind it pending.
  long = writeLoopedSpeech(wav, 60);
  writeFileSync(join(dir, 'notes.wav'), 'these are not the sounds you are looking for\n'.repeat(50));
  server = await startDoorServer();
}, 60_000);

afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** `curl -F "file=@audio.mp3" [-F name=value …]`, as the NVIDIA server's README sends it. */
function postFile(route: string, path: string, fields: Record<string, string> = {}, base = server.url) {
  const form = new FormData();
  form.append('file', new Blob([readFileSync(path)]), basename(path));
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  return fetch(`${base}${route}`, { method: 'POST', headers: { accept: 'application/json' }, body: form });
}

async function ok<T>(response: Response): Promise<T> {
  expect(response.status, await response.clone().text()).toBe(200);
  return (await response.json()) as T;
}

async function detail(response: Response, status: number): Promise<unknown> {
  expect(response.status).toBe(status);
  return ((await response.json()) as { detail: unknown }).detail;
}

/** The README's Python loop: poll the status until the job is done. */
async function pollUntilDone(id: string): Promise<JobStatus> {
  const end = Date.now() + 60_000;
  for (;;) {
    const job = await ok<JobStatus>(await fetch(`${server.url}/jobs/${id}/status`));
    if (!['pending', 'processing'].includes(job.status)) return job;
    if (Date.now() > end) throw new Error(`job ${id} still ${job.status}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The transcript /v1 gives for the same file: its text and segments. */
async function v1Verbose(path: string) {
  const form = new FormData();
  form.append('file', new Blob([readFileSync(path)]), basename(path));
  form.append('model', 'whisper-1');
  form.append('response_format', 'verbose_json');
  const response = await fetch(`${server.url}/v1/audio/transcriptions`, { method: 'POST', body: form });
  return ok<{ text: string; segments: { start: number; end: number; text: string }[] }>(response);
}

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+00:00$/;

describe('the NVIDIA ASR server door: GET / and POST /transcribe', () => {
  it('describes the API at / and names the models playing parakeet and canary', async () => {
    const info = await ok<{ models: unknown; endpoints: Record<string, string>; docs: string }>(
      await fetch(`${server.url}/`),
    );
    expect(info.models).toEqual({ parakeet: 'tiny-en', canary: null });
    expect(info.endpoints.transcribe).toBe('POST /transcribe');
    expect(info.docs).toBe('/docs');
  });

  it('transcribes an upload to the text and segments /v1 gives for the same audio, wav and mp3', async () => {
    const v1 = await v1Verbose(wav);
    for (const path of [wav, mp3]) {
      const body = await ok<Transcription>(await postFile('/transcribe', path));
      expect(Object.keys(body).sort()).toEqual(['filename', 'segments', 'text', 'timestamp']);
      expect(body.filename).toBe(basename(path));
      expect(body.timestamp).toMatch(ISO_UTC);
      expect(Math.abs(Date.parse(body.timestamp) - Date.now())).toBeLessThan(60_000);
      expect(twoPhraseRecall(body.text)).toBeGreaterThanOrEqual(0.6);
      if (path === wav) {
        expect(body.text).toBe(v1.text);
        expect(body.segments).toEqual(v1.segments.map(({ start, end, text }) => ({ start, end, text })));
      }
      expect(body.segments).toHaveLength(2);
    }
  });

  it('takes model=parakeet (the default model here) and include_timestamps=false, which leaves out segments', async () => {
    const body = await ok<Transcription>(
      await postFile('/transcribe', wav, { model: 'parakeet', include_timestamps: 'false', language: 'fr' }),
    );
    expect(body.segments).toEqual([]);
    expect(twoPhraseRecall(body.text)).toBeGreaterThanOrEqual(0.6);
  });

  it('refuses canary when no model plays it, an unknown model name, a bad flag and a form without a file', async () => {
    expect(await detail(await postFile('/transcribe', wav, { model: 'canary' }), 400)).toMatch(
      /^Model "canary" is not configured on this server: start it with --canary-model/,
    );
    expect(await detail(await postFile('/transcribe', wav, { model: 'whisper' }), 400)).toMatch(
      /Invalid model "whisper"/,
    );
    expect(await detail(await postFile('/transcribe', wav, { include_timestamps: 'maybe' }), 422)).toEqual([
      { type: 'value_error', loc: ['body', 'include_timestamps'], msg: 'Input should be a valid boolean' },
    ]);
    const form = new FormData();
    form.append('model', 'parakeet');
    const noFile = await fetch(`${server.url}/transcribe`, { method: 'POST', body: form });
    expect(await detail(noFile, 422)).toEqual([
      { type: 'missing', loc: ['body', 'file'], msg: 'Field required' },
    ]);
    expect(await detail(await postFile('/transcribe', join(dir, 'notes.wav')), 400)).toMatch(/notes\.wav/);
  });
});

describe('the NVIDIA ASR server door: jobs, the same as /v1/audio/jobs', () => {
  it('starts a job, reports it pending or processing, then completed with the result /transcribe gives', async () => {
    const started = await ok<{ job_id: string; status: string; message: string }>(
      await postFile('/transcribe/async', wav),
    );
    expect(started.status).toBe('pending');
    expect(started.message).toBe('Transcription job started for speech.wav');
    const done = await pollUntilDone(started.job_id);
    expect(done).toMatchObject({
      job_id: started.job_id,
      status: 'completed',
      filename: 'speech.wav',
      error: null,
    });
    expect(done.created_at).toMatch(ISO_UTC);
    expect(done.completed_at).toMatch(ISO_UTC);
    const result = await ok<Transcription>(await fetch(`${server.url}/jobs/${started.job_id}/result`));
    expect(done.result).toEqual(result);
    const now = await ok<Transcription>(await postFile('/transcribe', wav));
    expect(result.text).toBe(now.text);
    expect(result.segments).toEqual(now.segments);
    // The same job through the OpenAI door.
    const v1 = await ok<{ status: string; model: string }>(
      await fetch(`${server.url}/v1/audio/jobs/${started.job_id}`),
    );
    expect(v1).toMatchObject({ status: 'succeeded', model: 'tiny-en' });
  });

  it('answers 400 for the result of a job not done, cancels a pending one once, and 404 for an unknown job', async () => {
    const running = await ok<{ job_id: string }>(await postFile('/transcribe/async', long));
    const waiting = await ok<{ job_id: string }>(await postFile('/transcribe/async', long));
    expect((await ok<JobStatus>(await fetch(`${server.url}/jobs/${waiting.job_id}/status`))).status).toBe(
      'pending',
    );
    expect(await detail(await fetch(`${server.url}/jobs/${waiting.job_id}/result`), 400)).toMatch(
      /^Job not yet completed/,
    );
    const cancel = (id: string) => fetch(`${server.url}/jobs/${id}/cancel`, { method: 'POST' });
    expect(await ok(await cancel(waiting.job_id))).toEqual({
      message: `Job ${waiting.job_id} cancelled`,
      status: 'cancelled',
    });
    expect(await detail(await cancel(waiting.job_id), 400)).toMatch(/already cancelled/);
    const cancelled = await ok<JobStatus>(await fetch(`${server.url}/jobs/${waiting.job_id}/status`));
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.completed_at).toMatch(ISO_UTC);
    expect(await detail(await fetch(`${server.url}/jobs/${waiting.job_id}/result`), 400)).toMatch(
      /cancelled/,
    );
    expect(await ok(await cancel(running.job_id))).toMatchObject({ status: 'cancelled' });

    for (const response of [
      await fetch(`${server.url}/jobs/job_unknown/status`),
      await fetch(`${server.url}/jobs/job_unknown/result`),
      await cancel('job_unknown'),
    ]) {
      expect(await detail(response, 404)).toBe('Job job_unknown not found');
    }
  }, 60_000);

  it('reports a file it cannot decode as failed, its result a 500 with the error; a /v1 job is seen here too', async () => {
    const started = await ok<{ job_id: string }>(await postFile('/transcribe/async', join(dir, 'notes.wav')));
    const failed = await pollUntilDone(started.job_id);
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatch(/notes\.wav/);
    expect(failed.result).toBeNull();
    expect(await detail(await fetch(`${server.url}/jobs/${started.job_id}/result`), 500)).toMatch(
      /notes\.wav/,
    );

    const form = new FormData();
    form.append('file', new Blob([readFileSync(wav)]), 'speech.wav');
    form.append('model', 'whisper-1');
    const v1 = (await (
      await fetch(`${server.url}/v1/audio/jobs`, { method: 'POST', body: form })
    ).json()) as {
      id: string;
    };
    const done = await pollUntilDone(v1.id);
    expect(done.status).toBe('completed');
    expect(twoPhraseRecall(done.result?.text ?? '')).toBeGreaterThanOrEqual(0.6);
  });
});

describe('the NVIDIA ASR server door with a model playing canary', () => {
  it('runs model=canary on it and refuses a language it cannot hear with 400', async () => {
    const canary = await startDoorServer({ nvidiaModels: { canary: 'tiny-en' } });
    try {
      const body = await ok<Transcription>(
        await postFile('/transcribe', wav, { model: 'canary', language: 'en' }, canary.url),
      );
      expect(twoPhraseRecall(body.text)).toBeGreaterThanOrEqual(0.6);
      expect(
        await detail(
          await postFile('/transcribe', wav, { model: 'canary', language: 'es' }, canary.url),
          400,
        ),
      ).toMatch(/English only, not "es"/);
    } finally {
      await canary.close();
    }
  }, 60_000);
});
