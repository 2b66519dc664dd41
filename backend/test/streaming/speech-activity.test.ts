import { describe, expect, it } from 'vitest';
import { segmentsFromProbabilities } from '../../src/engine/vad';
import {
  DEFAULT_SPEECH_ACTIVITY_OPTIONS,
  type FrameClassifier,
  SpeechActivity,
} from '../../src/streaming/speech-activity';

const RATE = 16_000;
const FRAME = 512;
const FRAME_SECONDS = FRAME / RATE;

/**
 * A frame classifier that answers from a script of per-frame probabilities instead of listening, and
 * counts how many frames it was asked about.
 */
class ScriptedFrames implements FrameClassifier {
  readonly sampleRate = RATE;
  readonly frameSamples = FRAME;
  framesClassified = 0;
  private carry = 0;

  constructor(private readonly script: Float32Array) {}

  async accept(samples: Float32Array): Promise<Float32Array> {
    const total = this.carry + samples.length;
    this.carry = total % FRAME;
    return this.next(Math.floor(total / FRAME));
  }

  async flush(): Promise<Float32Array> {
    const frames = this.carry > 0 ? 1 : 0;
    this.carry = 0;
    return this.next(frames);
  }

  private next(frames: number): Float32Array {
    const out = this.script.slice(this.framesClassified, this.framesClassified + frames);
    this.framesClassified += frames;
    return out;
  }
}

/** Per-frame probabilities from (probability, seconds) pieces. */
function script(pieces: [number, number][]): Float32Array {
  return Float32Array.from(
    pieces.flatMap(([p, seconds]) => Array(Math.round(seconds / FRAME_SECONDS)).fill(p)),
  );
}

/** Pushes `samples` samples in pieces of the given sizes, cycling, as a decoder delivers them. */
function pushAudio(activity: SpeechActivity, samples: number, pieceSizes: readonly number[]): void {
  for (let at = 0, i = 0; at < samples; i++) {
    const size = Math.min(pieceSizes[i % pieceSizes.length] as number, samples - at);
    activity.push(new Float32Array(size));
    at += size;
  }
}

describe('SpeechActivity', () => {
  it('finds the same speech fed piece by piece as the offline rule finds in the whole recording', async () => {
    // 1 s silence, 1.2 s speech, 0.2 s dip (bridged), 0.8 s speech, 1 s silence, a 0.1 s blip,
    // 0.7 s silence, 0.5 s speech with a wavering middle, then silence.
    const probabilities = script([
      [0.02, 1],
      [0.9, 1.2],
      [0.1, 0.2],
      [0.8, 0.8],
      [0.05, 1],
      [0.95, 0.1],
      [0.03, 0.7],
      [0.7, 0.2],
      [0.45, 0.1],
      [0.7, 0.2],
      [0.01, 1.5],
    ]);
    const totalSamples = probabilities.length * FRAME - 200;
    const offline = segmentsFromProbabilities(probabilities, totalSamples, {
      threshold: DEFAULT_SPEECH_ACTIVITY_OPTIONS.threshold,
      minSilenceMs: DEFAULT_SPEECH_ACTIVITY_OPTIONS.minSilenceSeconds * 1000,
      minSpeechMs: DEFAULT_SPEECH_ACTIVITY_OPTIONS.minSpeechSeconds * 1000,
      speechPadMs: DEFAULT_SPEECH_ACTIVITY_OPTIONS.padSeconds * 1000,
    });
    // The dip is bridged and the blip dropped: two stretches of speech.
    expect(offline).toHaveLength(2);

    for (const pieces of [[totalSamples], [160], [1000, 37, 4096], [FRAME]]) {
      const classifier = new ScriptedFrames(probabilities);
      const activity = new SpeechActivity(classifier);
      pushAudio(activity, totalSamples, pieces);
      await activity.finish();
      const spans = activity.speechSpans(0, Number.POSITIVE_INFINITY);
      expect(spans).toHaveLength(offline.length);
      spans.forEach((span, i) => {
        expect(span.start).toBeCloseTo(offline[i]?.start ?? -1, 6);
        expect(span.end).toBeCloseTo(offline[i]?.end ?? -1, 6);
      });
      // Every frame is classified exactly once, however the audio was cut.
      expect(classifier.framesClassified).toBe(Math.ceil(totalSamples / FRAME));
    }
  });

  it('reports a pause once the silence after speech is long enough, and lets it grow', async () => {
    const activity = new SpeechActivity(
      new ScriptedFrames(
        script([
          [0.9, 2],
          [0.02, 3],
        ]),
      ),
    );
    pushAudio(activity, 2.2 * RATE, [RATE / 10]);
    await activity.settled();
    expect(activity.pauses(0, 10)).toEqual([]);
    expect(activity.hasSpeech(0, 2.2)).toBe(true);

    pushAudio(activity, 0.3 * RATE, [RATE / 10]);
    await activity.settled();
    const [pause] = activity.pauses(0, 10);
    expect(pause?.start).toBeCloseTo(2, 1);
    expect(pause?.end).toBeCloseTo(2.5, 1);

    pushAudio(activity, RATE, [RATE / 10]);
    await activity.settled();
    expect(activity.pauses(0, 10)[0]?.end).toBeCloseTo(3.5, 1);
    // Speech ends at 2 s; with its padding, nothing after 2.2 s is speech.
    expect(activity.hasSpeech(2.3, 3.5)).toBe(false);
    expect(activity.speechOnsetFrom(2.3)).toBeCloseTo(activity.classifiedSeconds, 6);
  });

  it('does not call a burst speech until it lasts long enough, but never skips past its onset', async () => {
    const activity = new SpeechActivity(
      new ScriptedFrames(
        script([
          [0.01, 2],
          [0.9, 1],
        ]),
      ),
    );
    pushAudio(activity, 2.1 * RATE, [4000]);
    await activity.settled();
    // 0.1 s into a sound: not speech yet, but a window may not start after its padded onset.
    expect(activity.hasSpeech(0, 2.1)).toBe(false);
    expect(activity.speechOnsetFrom(0)).toBeCloseTo(2 - DEFAULT_SPEECH_ACTIVITY_OPTIONS.padSeconds, 1);
    expect(activity.mayHoldSpeech(1.9, 2.05)).toBe(true);
    expect(activity.mayHoldSpeech(0.5, 1.5)).toBe(false);

    pushAudio(activity, 0.3 * RATE, [4000]);
    await activity.settled();
    expect(activity.hasSpeech(0, 2.4)).toBe(true);
  });

  it('treats audio that is not classified yet as possible speech', async () => {
    const activity = new SpeechActivity(new ScriptedFrames(script([[0.01, 2]])));
    pushAudio(activity, RATE + 100, [RATE + 100]);
    await activity.settled();
    expect(activity.classifiedSeconds).toBeCloseTo((31 * FRAME) / RATE, 6);
    expect(activity.mayHoldSpeech(0.5, 0.9)).toBe(false);
    expect(activity.mayHoldSpeech(0.95, 1.01)).toBe(true);
    expect(activity.speechOnsetFrom(1.005)).toBe(1.005);
  });

  it('keeps only the speech of the audio still held, whatever the length of the recording', async () => {
    // Fifty sentences of 31 frames (0.992 s), each followed by as much silence.
    const sentence = 31 * FRAME_SECONDS;
    const pattern: [number, number][] = [];
    for (let i = 0; i < 50; i++) pattern.push([0.9, sentence], [0.02, sentence]);
    const activity = new SpeechActivity(new ScriptedFrames(script(pattern)));
    for (let second = 0; second < 100; second++) {
      pushAudio(activity, RATE, [RATE]);
      await activity.settled();
      activity.forgetBefore(Math.max(0, second - 10));
    }
    const remembered = activity.speechSpans(0, 100);
    expect(remembered.length).toBeLessThanOrEqual(7);
    expect(remembered.at(-1)?.start).toBeCloseTo(
      49 * 2 * sentence - DEFAULT_SPEECH_ACTIVITY_OPTIONS.padSeconds,
      6,
    );
    // The pause after the oldest run kept is still known.
    expect(activity.pauses(0, 100).length).toBe(remembered.length);
  });

  it('reports a classifier failure to the step that waits for it', async () => {
    const failing: FrameClassifier = {
      sampleRate: RATE,
      frameSamples: FRAME,
      accept: async () => {
        throw new Error('VAD session failed');
      },
      flush: async () => new Float32Array(0),
    };
    const activity = new SpeechActivity(failing);
    activity.push(new Float32Array(RATE));
    await expect(activity.settled()).rejects.toThrow('VAD session failed');
  });
});
