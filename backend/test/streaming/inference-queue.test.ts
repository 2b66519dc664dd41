import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRecognizer } from '../../src/engine/index.js';
import type { Recognizer } from '../../src/engine/types.js';
import {
  type InferenceOutcome,
  InferenceQueue,
  QueueClosedError,
} from '../../src/streaming/inference-queue.js';
import type { QueueClock } from '../../src/streaming/queue-clock.js';
import { ObservedRecognizer } from './observed-recognizer.js';

// The scripted "level-words" model reads words off the signal level: each 80 ms frame at 0.1 / 0.2 / 0.3
// is "ca" / "dog" / "a", so every window's transcript is known exactly.
const MODEL_DIR = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../fixtures/scripted/level-words',
);
const FRAME = 1280;
const SECOND = 16_000;

function window(levels: number[], length = (levels.length + 2) * FRAME): Float32Array {
  const audio = new Float32Array(length);
  levels.forEach((level, i) => {
    audio.fill(level, (i + 1) * FRAME, (i + 2) * FRAME);
  });
  return audio;
}

const text = (outcome: InferenceOutcome) =>
  outcome.status === 'recognized' ? outcome.result.text : outcome.status;

let real: Recognizer;
beforeAll(async () => {
  real = await loadRecognizer({ modelDir: MODEL_DIR, modelId: 'level-words', device: 'cpu' });
});
afterAll(() => real.release());

/** Time that moves only when told: by the test, or by a decode taking its scripted engine time. */
class ManualClock implements QueueClock {
  private at = 0;
  private timers: { at: number; callback: () => void }[] = [];

  now(): number {
    return this.at;
  }

  wakeAfter(ms: number, callback: () => void): () => void {
    const timer = { at: this.at + ms, callback };
    this.timers.push(timer);
    return () => {
      this.timers = this.timers.filter((t) => t !== timer);
    };
  }

  get pendingWakes(): number {
    return this.timers.length;
  }

  advanceTo(at: number): void {
    this.at = Math.max(this.at, at);
    for (const timer of this.timers.filter((t) => t.at <= this.at).sort((a, b) => a.at - b.at)) {
      this.timers = this.timers.filter((t) => t !== timer);
      timer.callback();
    }
  }
}

/** Each decode takes `msPerAudioSecond` of the manual clock; records when each call started and ended. */
class ClockedRecognizer extends ObservedRecognizer {
  readonly calls: { text: string[]; startedAt: number; endedAt: number }[] = [];

  constructor(
    real: Recognizer,
    private readonly clock: ManualClock,
    private readonly msPerAudioSecond: number,
  ) {
    super(real);
  }

  override async decode(streams: Parameters<Recognizer['decode']>[0]): Promise<void> {
    const startedAt = this.clock.now();
    this.clock.advanceTo(startedAt + streams.reduce((sum, s) => sum + s.duration, 0) * this.msPerAudioSecond);
    await super.decode(streams);
    this.calls.push({ text: this.batches.at(-1) ?? [], startedAt, endedAt: this.clock.now() });
  }
}

const settle = async () => {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
};

function setup() {
  const recognizer = new ObservedRecognizer(real);
  const events = { dropped: 0, superseded: 0, failed: 0 };
  const observer = {
    interimDropped: () => events.dropped++,
    interimSuperseded: () => events.superseded++,
    recognitionFailed: (n: number) => {
      events.failed += n;
    },
  };
  return { recognizer, events, observer };
}

describe('InferenceQueue', () => {
  it('decodes the windows of sessions waiting together in one batch, each with its own text', async () => {
    const { recognizer } = setup();
    const queue = new InferenceQueue(recognizer);
    const outcomes = await Promise.all([
      queue.submit({ key: 'a', kind: 'interim', samples: window([0.1]) }),
      queue.submit({ key: 'b', kind: 'interim', samples: window([0.2, 0, 0.3]) }),
      queue.submit({ key: 'c', kind: 'final', samples: window([0.3, 0, 0.1]) }),
    ]);
    expect(outcomes.map(text)).toEqual(['ca', 'dog a', 'a ca']);
    expect(recognizer.batches).toHaveLength(1);
  });

  it('serves a final before interims that have been waiting longer', async () => {
    const { recognizer } = setup();
    const queue = new InferenceQueue(recognizer, { maxBatch: 2 });
    const release = recognizer.hold();
    const busy = queue.submit({ key: 'busy', kind: 'interim', samples: window([0.3]) });
    await new Promise((resolve) => setImmediate(resolve));
    const waiting = [
      queue.submit({ key: 'a', kind: 'interim', samples: window([0.1]) }),
      queue.submit({ key: 'b', kind: 'interim', samples: window([0.2]) }),
      queue.submit({ key: 'c', kind: 'final', samples: window([0.2, 0, 0.1]) }),
    ];
    expect(queue.depth).toBe(3);
    release();
    await Promise.all([busy, ...waiting]);
    expect(recognizer.batches).toEqual([['a'], ['dog ca', 'ca'], ['dog']]);
  });

  it("replaces a session's waiting interim with its newer request", async () => {
    const { recognizer, events, observer } = setup();
    const queue = new InferenceQueue(recognizer, {}, observer);
    const release = recognizer.hold();
    const busy = queue.submit({ key: 'busy', kind: 'interim', samples: window([0.3]) });
    await new Promise((resolve) => setImmediate(resolve));
    const older = queue.submit({ key: 'a', kind: 'interim', samples: window([0.1]) });
    const other = queue.submit({ key: 'b', kind: 'interim', samples: window([0.3, 0.3]) });
    const newer = queue.submit({ key: 'a', kind: 'interim', samples: window([0.1, 0, 0.2]) });
    expect(await older).toEqual({ status: 'superseded' });
    const ending = queue.submit({ key: 'b', kind: 'final', samples: window([0.3, 0, 0.2]) });
    expect(await other).toEqual({ status: 'superseded' });
    expect(queue.depth).toBe(2);
    release();
    await busy;
    expect(text(await newer)).toBe('ca dog');
    expect(text(await ending)).toBe('a dog');
    expect(recognizer.batches).toEqual([['a'], ['a dog', 'ca dog']]);
    expect(events.superseded).toBe(2);
  });

  it('drops the interims that would wait too long at the measured speed, never a final', async () => {
    const { recognizer, events, observer } = setup();
    recognizer.secondsPerAudioSecond = 0.5;
    const queue = new InferenceQueue(recognizer, { maxBatch: 1, maxWaitSeconds: 1.25 }, observer);
    const second = (level: number) => window([level], SECOND);
    await queue.submit({ key: 'warm-up', kind: 'final', samples: second(0) });
    expect(queue.secondsPerAudioSecond).toBeGreaterThanOrEqual(0.5);
    expect(queue.secondsPerAudioSecond).toBeLessThan(0.6);

    // At half a second per batch the batches start at 0, 0.5, 1.0, 1.5 s: the fourth is too late.
    const first = queue.submit({ key: 'f1', kind: 'final', samples: second(0.1) });
    const i1 = queue.submit({ key: 'i1', kind: 'interim', samples: second(0.2) });
    const i2 = queue.submit({ key: 'i2', kind: 'interim', samples: second(0.3) });
    const i3 = queue.submit({ key: 'i3', kind: 'interim', samples: second(0.2) });
    expect(await i3).toEqual({ status: 'dropped' });
    // A final that arrives later still goes ahead of the interims, pushing the last one out.
    const last = queue.submit({ key: 'f2', kind: 'final', samples: second(0.3) });
    expect(await i2).toEqual({ status: 'dropped' });
    expect((await Promise.all([first, last, i1])).map(text)).toEqual(['ca', 'a', 'dog']);
    expect(events.dropped).toBe(2);
  });

  it('fails only the session whose window the recognizer refuses', async () => {
    const { recognizer, events, observer } = setup();
    const queue = new InferenceQueue(recognizer, {}, observer);
    const bad = window([0.1]);
    bad[100] = Number.NaN;
    const [good, refused, other] = await Promise.allSettled([
      queue.submit({ key: 'a', kind: 'interim', samples: window([0.2]) }),
      queue.submit({ key: 'b', kind: 'interim', samples: bad }),
      queue.submit({ key: 'c', kind: 'final', samples: window([0.3]) }),
    ]);
    expect(good).toMatchObject({ status: 'fulfilled', value: { result: { text: 'dog' } } });
    expect(refused.status).toBe('rejected');
    expect(other).toMatchObject({ status: 'fulfilled', value: { result: { text: 'a' } } });
    expect(events.failed).toBe(1);
  });

  it('fails the batch the engine fails on and goes on serving the next', async () => {
    const { recognizer, events, observer } = setup();
    const queue = new InferenceQueue(recognizer, {}, observer);
    recognizer.failNextDecode();
    const failed = await Promise.allSettled([
      queue.submit({ key: 'a', kind: 'interim', samples: window([0.2]) }),
      queue.submit({ key: 'b', kind: 'final', samples: window([0.1]) }),
    ]);
    expect(failed.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(events.failed).toBe(2);
    expect(text(await queue.submit({ key: 'a', kind: 'interim', samples: window([0.3]) }))).toBe('a');
  });

  it('on close, finishes the batch in progress and refuses what waits and what comes', async () => {
    const { recognizer } = setup();
    const queue = new InferenceQueue(recognizer);
    const release = recognizer.hold();
    const running = queue.submit({ key: 'a', kind: 'final', samples: window([0.1]) });
    await new Promise((resolve) => setImmediate(resolve));
    const waiting = expect(
      queue.submit({ key: 'b', kind: 'final', samples: window([0.2]) }),
    ).rejects.toBeInstanceOf(QueueClosedError);
    const closed = queue.close();
    release();
    await closed;
    expect(text(await running)).toBe('ca');
    await waiting;
    await expect(queue.submit({ key: 'c', kind: 'final', samples: window([0.3]) })).rejects.toBeInstanceOf(
      QueueClosedError,
    );
  });

  describe('batch windows (files and jobs)', () => {
    it('wait behind every live window, go one per recognizer call, and keep their order', async () => {
      const { recognizer } = setup();
      const queue = new InferenceQueue(recognizer);
      const release = recognizer.hold();
      const busy = queue.submit({ key: 'busy', kind: 'batch', samples: window([0.3]) });
      await new Promise((resolve) => setImmediate(resolve));
      const waiting = [
        queue.submit({ key: 'job', kind: 'batch', samples: window([0.1]) }),
        queue.submit({ key: 'job', kind: 'batch', samples: window([0.2]) }),
        queue.submit({ key: 'live', kind: 'interim', samples: window([0.2, 0, 0.3]) }),
        queue.submit({ key: 'other', kind: 'final', samples: window([0.3, 0, 0.1]) }),
      ];
      expect(queue.depthByKind).toEqual({ final: 1, interim: 1, batch: 2 });
      release();
      const outcomes = await Promise.all([busy, ...waiting]);
      expect(outcomes.map(text)).toEqual(['a', 'ca', 'dog', 'dog a', 'a ca']);
      // The live final and interim share the first call after the running file window, then each
      // file window has a call of its own.
      expect(recognizer.batches).toEqual([['a'], ['a ca', 'dog a'], ['ca'], ['dog']]);
    });

    it("hand each window's prompt to the stream the recognizer decodes it in", async () => {
      const { recognizer } = setup();
      const queue = new InferenceQueue(recognizer);
      const outcomes = await Promise.all([
        queue.submit({ key: 'job', kind: 'batch', samples: window([0.1]), prompt: 'meeting notes' }),
        queue.submit({ key: 'live', kind: 'final', samples: window([0.2]) }),
        queue.submit({ key: 'other', kind: 'batch', samples: window([0.3]), prompt: 'a lecture' }),
      ]);
      expect(outcomes.map(text)).toEqual(['ca', 'dog', 'a']);
      expect(recognizer.batches).toEqual([['dog'], ['ca'], ['a']]);
      expect(recognizer.prompts).toEqual([undefined, 'meeting notes', 'a lecture']);
    });

    it('are never dropped or replaced, however far behind the queue is', async () => {
      const { recognizer, events, observer } = setup();
      recognizer.secondsPerAudioSecond = 0.5;
      const queue = new InferenceQueue(recognizer, { maxBatch: 1, maxWaitSeconds: 0.1 }, observer);
      await queue.submit({ key: 'warm-up', kind: 'final', samples: window([0], SECOND) });
      const windows = [0.1, 0.2, 0.3, 0.1].map((level) =>
        queue.submit({ key: 'job', kind: 'batch', samples: window([level], SECOND) }),
      );
      expect((await Promise.all(windows)).map(text)).toEqual(['ca', 'dog', 'a', 'ca']);
      expect(events).toMatchObject({ dropped: 0, superseded: 0 });
    });

    it('do not count against the wait of live interims', async () => {
      const { recognizer, events, observer } = setup();
      recognizer.secondsPerAudioSecond = 0.5;
      const queue = new InferenceQueue(recognizer, { maxBatch: 1, maxWaitSeconds: 0.75 }, observer);
      await queue.submit({ key: 'warm-up', kind: 'final', samples: window([0], SECOND) });
      const release = recognizer.hold();
      const running = queue.submit({ key: 'running', kind: 'final', samples: window([0.3]) });
      await new Promise((resolve) => setImmediate(resolve));
      const file = [0.1, 0.2, 0.3].map((level) =>
        queue.submit({ key: 'job', kind: 'batch', samples: window([level], SECOND) }),
      );
      const live = queue.submit({ key: 'live', kind: 'interim', samples: window([0.2], SECOND) });
      release();
      expect(text(await live)).toBe('dog');
      await Promise.all([running, ...file]);
      expect(events.dropped).toBe(0);
      expect(recognizer.batches.slice(1)).toEqual([['a'], ['dog'], ['ca'], ['dog'], ['a']]);
    });

    it('withdrawn by their owner settle as withdrawn, leaving the window being decoded and others alone', async () => {
      const { recognizer } = setup();
      const queue = new InferenceQueue(recognizer);
      const release = recognizer.hold();
      const running = queue.submit({ key: 'job', kind: 'batch', samples: window([0.1]) });
      await new Promise((resolve) => setImmediate(resolve));
      const mine = [
        queue.submit({ key: 'job', kind: 'batch', samples: window([0.2]) }),
        queue.submit({ key: 'job', kind: 'batch', samples: window([0.3]) }),
      ];
      const theirs = queue.submit({ key: 'other-job', kind: 'batch', samples: window([0.3]) });
      expect(queue.withdraw('job')).toBe(2);
      expect(await Promise.all(mine)).toEqual([{ status: 'withdrawn' }, { status: 'withdrawn' }]);
      release();
      expect(text(await running)).toBe('ca');
      expect(text(await theirs)).toBe('a');
      expect(recognizer.batches).toEqual([['ca'], ['a']]);
    });
  });
  describe('file windows beside live traffic (manual clock)', () => {
    // 100 ms of engine time per second of audio: a live window (0.24 s) takes 24 ms, a 2 s file window 200 ms.
    const LIVE = () => window([0.1]);
    const FILE = () => window([0.3], 2 * SECOND);
    function clocked() {
      const clock = new ManualClock();
      const recognizer = new ClockedRecognizer(real, clock, 100);
      const queue = new InferenceQueue(recognizer, { maxBatchDeferSeconds: 2 }, {}, clock);
      const liveAt = async (at: number) => {
        clock.advanceTo(at);
        return text(await queue.submit({ key: 'tab', kind: 'interim', samples: LIVE() }));
      };
      return { clock, recognizer, queue, liveAt };
    }

    it('a file window waits while the next live window is due before it would end, then fills the gap after one', async () => {
      const { clock, recognizer, queue, liveAt } = clocked();
      await liveAt(0);
      await liveAt(300);
      clock.advanceTo(400);
      // It would end at 600 ms, 650 with the margin for slow decodes; the tab's next window is due at 600.
      const file = queue.submit({ key: 'job', kind: 'batch', samples: FILE() });
      await settle();
      expect(queue.depthByKind.batch).toBe(1);
      expect(recognizer.calls).toHaveLength(2);

      expect(await liveAt(600)).toBe('ca');
      expect(text(await file)).toBe('a');
      const [, , live, fileCall] = recognizer.calls;
      expect(live?.text).toEqual(['ca']);
      // Right after the live window, ending (874 with the margin) before the one due at 900 ms.
      expect(fileCall).toEqual({ text: ['a'], startedAt: live?.endedAt, endedAt: 824 });
      expect(await liveAt(900)).toBe('ca');
      expect(recognizer.calls.at(-1)?.startedAt).toBe(900);
    });

    it('a file window that never fits between live windows starts anyway after maxBatchDeferSeconds', async () => {
      const { recognizer, queue, liveAt } = clocked();
      await liveAt(0);
      await liveAt(50);
      // Submitted at 74 ms, after the second live window.
      const file = queue.submit({ key: 'job', kind: 'batch', samples: FILE() });
      let fileDone = false;
      void file.then(() => {
        fileDone = true;
      });
      // A live window every 50 ms leaves 26 ms gaps: never enough for 200 ms.
      for (let at = 100; at <= 3000 && !fileDone; at += 50) expect(await liveAt(at)).toBe('ca');
      expect(text(await file)).toBe('a');
      const fileCall = recognizer.calls.find((c) => c.text[0] === 'a');
      // Held since 74 ms, so due at 2074 ms: as the live window of 2050 ms ends.
      expect(fileCall?.startedAt).toBe(2074);
      // The next live window waited for it.
      expect(recognizer.calls.at(-1)?.text).toEqual(['ca']);
      expect(recognizer.calls.at(-1)?.startedAt).toBe(fileCall?.endedAt);
    });

    it('a file window held twice maxBatchDeferSeconds goes ahead of live windows waiting', async () => {
      const { clock, recognizer, queue, liveAt } = clocked();
      await liveAt(0);
      await liveAt(50);
      clock.advanceTo(100);
      const release = recognizer.hold();
      const running = queue.submit({ key: 'tab', kind: 'interim', samples: LIVE() });
      await settle();
      // The running live window started at 100 ms and ends at 124: the file window comes meanwhile.
      const file = queue.submit({ key: 'job', kind: 'batch', samples: FILE() });
      const waiting = queue.submit({ key: 'other', kind: 'interim', samples: window([0.2]) });
      clock.advanceTo(124 + 4000);
      release();
      expect((await Promise.all([running, file, waiting])).map(text)).toEqual(['ca', 'a', 'dog']);
      expect(recognizer.calls.slice(2).map((c) => c.text)).toEqual([['ca'], ['a'], ['dog']]);
    });

    it('held file windows run back to back once live traffic stops', async () => {
      const { clock, recognizer, queue, liveAt } = clocked();
      await liveAt(0);
      await liveAt(100);
      clock.advanceTo(150);
      const files = [0, 1, 2].map(() => queue.submit({ key: 'job', kind: 'batch', samples: FILE() }));
      await settle();
      expect(queue.depthByKind.batch).toBe(3);
      // Live traffic counts as ongoing for 1 s after the last live window (at 100 ms).
      clock.advanceTo(1100);
      expect((await Promise.all(files)).map(text)).toEqual(['a', 'a', 'a']);
      expect(recognizer.calls.slice(2).map((c) => c.startedAt)).toEqual([1100, 1300, 1500]);
    });

    it('held file windows can be withdrawn, and fail on close, leaving no wake-up behind', async () => {
      const { clock, queue, liveAt } = clocked();
      await liveAt(0);
      await liveAt(100);
      clock.advanceTo(150);
      const mine = queue.submit({ key: 'job', kind: 'batch', samples: FILE() });
      await settle();
      expect(clock.pendingWakes).toBe(1);
      expect(queue.withdraw('job')).toBe(1);
      expect(await mine).toEqual({ status: 'withdrawn' });
      expect(clock.pendingWakes).toBe(0);

      const theirs = queue.submit({ key: 'other-job', kind: 'batch', samples: FILE() });
      await settle();
      expect(clock.pendingWakes).toBe(1);
      const refused = expect(theirs).rejects.toBeInstanceOf(QueueClosedError);
      await queue.close();
      await refused;
      expect(clock.pendingWakes).toBe(0);
    });
  });
});
