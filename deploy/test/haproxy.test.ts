import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cluster, startCluster, until } from '../../backend/test/cluster/cluster-processes';
import { MAX_STREAMING_WER, wordErrorRate } from '../../backend/test/server/helpers';
import {
  commitSpokenTurn,
  type RealtimeSocket,
  realtimeSocket,
} from '../../backend/test/server/realtime-turn';
import {
  cutAtArbitraryOffsets,
  ONE_SECOND_OF_WEBM,
  speechWebm,
} from '../../backend/test/sessions/webm-fixture';

// The shipped HAProxy config in front of three real workers sharing a real Redis: recordings stay on
// one worker, a stopping worker drains without a 5xx, a killed one is replaced by a new recording.

const run = promisify(execFile);
const TURN = 'my mother found a small green tree near the house';
const TEXT = 'the dog ran to the park to play with a red ball and the children walk near the river at night';

let cluster: Cluster;
let url: string;
let chunks: Buffer[];
let speech: Buffer;

interface Answer {
  status: number;
  worker: string | null;
  code?: string;
  /** Captions (interim or final) in the answer. */
  captions: number;
}

/** One chunk of a recording through HAProxy, sent as the extension sends it. */
async function post(recordingId: string, seq: number, final = false): Promise<Answer> {
  const response = await fetch(`${url}/asr/stream?recording=${recordingId}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-earshot-recording': recordingId },
    body: JSON.stringify({
      user_id: 'user-1',
      tab_id: 1,
      recording_id: recordingId,
      seq,
      mime_type: 'audio/webm;codecs=opus',
      audio_b64: (chunks[seq] as Buffer).toString('base64'),
      final,
    }),
  });
  const body = (await response.json()) as { segments?: unknown[]; error?: { code: string } };
  return {
    status: response.status,
    worker: response.headers.get('x-earshot-worker'),
    ...(body.error ? { code: body.error.code } : {}),
    captions: body.segments?.length ?? 0,
  };
}

/**
 * Recordings streamed as the extension does: a chunk every `everyMs`, a new recording (new id, seq 0) at
 * once when the worker answers that it does not know the current one. Records every answer.
 */
class LiveTab {
  readonly answers: (Answer & { at: number; recordingId: string })[] = [];
  private recordingId = '';
  private seq = 0;
  private restarts = 0;
  private stopped = false;
  private readonly done: Promise<void>;

  constructor(
    private readonly name: string,
    everyMs: number,
  ) {
    this.recordingId = `${name}-0`;
    this.done = (async () => {
      while (!this.stopped) {
        const started = Date.now();
        const answer = await post(this.recordingId, this.seq);
        this.answers.push({ ...answer, at: Date.now(), recordingId: this.recordingId });
        if (answer.status === 200) this.seq += 1;
        // A recording the worker does not know, or one at the end of the fixture's audio: a new one.
        if (answer.code === 'recording_restart_required' || this.seq === chunks.length) {
          this.restarts += 1;
          this.recordingId = `${this.name}-${this.restarts}`;
          this.seq = 0;
          if (answer.status !== 200) continue;
        }
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, everyMs - (Date.now() - started))));
      }
    })();
  }

  get worker(): string | null | undefined {
    return this.answers.at(-1)?.worker;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.done;
  }
}

beforeAll(async () => {
  // About 50 s of speech, in chunks of about a second.
  speech = (await speechWebm(Array(8).fill(TEXT).join(' '))).webm;
  chunks = cutAtArbitraryOffsets(speech, ONE_SECOND_OF_WEBM, 5);
  cluster = await startCluster(3, ['--model', 'tiny-en', '--vad', 'off', '--drain-seconds', '8']);
  url = cluster.url;
}, 300_000);

afterAll(async () => {
  await cluster?.stop();
}, 60_000);

describe('the shipped HAProxy config in front of three workers', () => {
  it('keeps each of 30 recordings on one worker for its whole life, spread over all three', async () => {
    const placed = new Map<string, Set<string>>();
    for (let batch = 0; batch < 3; batch++) {
      await Promise.all(
        Array.from({ length: 10 }, async (_, i) => {
          const id = `spread-${batch * 10 + i}`;
          const where = new Set<string>();
          for (let seq = 0; seq < 3; seq++) {
            const answer = await post(id, seq, seq === 2);
            expect(answer.status, JSON.stringify(answer)).toBe(200);
            where.add(answer.worker ?? '?');
          }
          placed.set(id, where);
        }),
      );
    }
    expect(placed.size).toBe(30);
    for (const where of placed.values()) expect(where.size).toBe(1);
    const used = new Set([...placed.values()].map((where) => [...where][0]));
    expect(used.size).toBe(3);
  });

  it('drains a worker on SIGTERM: its recordings finish or move, its jobs run elsewhere, and no request gets a 5xx', async () => {
    const tabs = Array.from({ length: 6 }, (_, i) => new LiveTab(`term-${i}`, 500));
    await until(async () => tabs.every((t) => t.answers.length >= 2), 'every tab to stream', 20_000);
    const busy = tabs[0]?.worker as string;
    const victim = cluster.worker(busy);
    // A realtime WebSocket through HAProxy (round-robin) on the worker about to stop.
    const realtime = await realtimeSocketOn(busy);
    const stopping = victim.stop('SIGTERM', 30_000);
    await until(
      async () => (await fetch(`${victim.url}/ready`)).status === 503,
      'the worker to say it stops',
      5000,
    );
    // The stopping worker refuses a new WebSocket before upgrading it; through HAProxy new ones open
    // on the other workers, even before its health check noticed (HAProxy retries the 503 elsewhere).
    const refused = await realtimeSocket(victim.url).opened;
    expect(refused.status).toBe(503);
    expect(refused.body).toMatchObject({ error: { code: 'not_ready' } });
    const others: RealtimeSocket[] = [];
    for (let i = 0; i < 3; i++) {
      const other = realtimeSocket(url);
      others.push(other);
      const answer = await other.opened;
      expect(answer.status, JSON.stringify(answer.body)).toBe(101);
      expect(answer.headers['x-earshot-worker']).not.toBe(busy);
    }
    // A job sent to the stopping worker itself joins the cluster's queue and runs on another worker.
    const form = new FormData();
    form.append('file', new Blob([speech]), 'speech.webm');
    form.append('model', 'whisper-1');
    const submitted = await fetch(`${victim.url}/v1/audio/jobs`, { method: 'POST', body: form });
    expect(submitted.status, await submitted.clone().text()).toBe(202);
    const { id } = (await submitted.json()) as { id: string };
    // Once HAProxy took the worker out of rotation (1 s checks), its open WebSocket still transcribes
    // until the drain's bound.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    const { transcript } = await commitSpokenTurn(realtime, realtime.events, TURN);
    expect(wordErrorRate(TURN, transcript)).toBeLessThanOrEqual(MAX_STREAMING_WER);
    expect(realtime.events.filter((e) => e.type === 'error')).toEqual([]);
    for (const socket of [realtime, ...others]) socket.socket.close();
    expect(await stopping).toBe(0);
    const done = await until(
      async () => {
        const job = (await (await fetch(`${url}/v1/audio/jobs/${id}`)).json()) as { status: string };
        return job.status === 'succeeded' ? job : undefined;
      },
      'the job to succeed on another worker',
      30_000,
    );
    expect(done.status).toBe('succeeded');
    // The job's record in Redis names the worker that ran it.
    const { stdout } = await run('redis-cli', [
      '-u',
      cluster.redis.url,
      'HGET',
      `earshot:job:${id}`,
      'worker',
    ]);
    expect(stdout.trim()).toMatch(/:\d+$/);
    expect(stdout.trim().endsWith(`:${victim.pid}`)).toBe(false);
    // Another few seconds of streaming after the worker left.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    await Promise.all(tabs.map((t) => t.stop()));
    const answers = tabs.flatMap((t) => t.answers);
    expect(answers.filter((a) => a.status >= 500)).toEqual([]);
    for (const tab of tabs) {
      expect(tab.answers.at(-1)?.status).toBe(200);
      expect(tab.worker).not.toBe(busy);
    }
    // The stopped worker's recordings went on as new recordings elsewhere.
    expect(tabs[0]?.answers.at(-1)?.recordingId).not.toBe('term-0-0');
  });

  it('replaces the recordings of a killed worker by new ones on another worker at once, and measures the gap', async () => {
    const tabs = Array.from({ length: 4 }, (_, i) => new LiveTab(`kill-${i}`, 500));
    await until(async () => tabs.every((t) => t.answers.length >= 2), 'every tab to stream', 20_000);
    const onVictim = tabs.filter((t) => t.worker === tabs[0]?.worker);
    const name = tabs[0]?.worker as string;
    const victim = cluster.worker(name);
    const killedAt = Date.now();
    await victim.stop('SIGKILL');
    await until(
      async () => onVictim.every((t) => t.answers.some((a) => a.at > killedAt && a.captions > 0)),
      'the killed worker’s tabs to show captions again',
      30_000,
    );
    await Promise.all(tabs.map((t) => t.stop()));
    const answers = tabs.flatMap((t) => t.answers);
    expect(answers.filter((a) => a.status >= 500)).toEqual([]);
    for (const tab of onVictim) {
      const after = tab.answers.filter((a) => a.at > killedAt);
      const accepted = after.find((a) => a.status === 200);
      const captioned = after.find((a) => a.captions > 0);
      const seconds = (answer: { at: number } | undefined) => ((answer?.at ?? Number.NaN) - killedAt) / 1000;
      console.log(
        `${tab.answers[0]?.recordingId}: after kill -9, audio accepted again in ${seconds(accepted).toFixed(2)} s, captions again in ${seconds(captioned).toFixed(2)} s, on ${accepted?.worker}`,
      );
      expect(accepted?.worker).not.toBe(name);
      expect(seconds(captioned)).toBeLessThan(15);
    }
  });
});

/** A realtime socket opened through HAProxy that landed on the worker it names `worker`. */
async function realtimeSocketOn(worker: string): Promise<RealtimeSocket> {
  for (let tries = 0; tries < 9; tries++) {
    const socket = realtimeSocket(url);
    const answer = await socket.opened;
    expect(answer.status).toBe(101);
    if (answer.headers['x-earshot-worker'] === worker) return socket;
    socket.socket.close();
  }
  throw new Error(`no realtime socket through HAProxy landed on ${worker}`);
}
