import type { Segment } from '@earshot/shared';
import type { DecoderCarry } from '../engine/types';
import { CaptionTrack } from './caption-track';
import type { LiveTranscriber, TranscriptUpdate, WindowRecognizer } from './live-transcriber';
import { PcmBuffer } from './pcm-buffer';
import { RunningAverage } from './running-average';
import type { SpeechActivity } from './speech-activity';
import type { TimedWord } from './timed-word';

/** Weight of the newest step in the running estimate of how long a step takes. */
const STEP_TIME_WEIGHT = 0.3;

export interface ChunkedTranscriberOptions {
  sampleRate: number;
  /** Most audio held for one recording; older audio is dropped (and its words lost) past this. */
  bufferSeconds: number;
  /** The recognizer's frame: chunk edges fall on multiples of it from the recording's start. */
  frameSeconds: number;
  /** Audio before a chunk that the encoder hears with it (rounded down to whole frames). */
  leftSeconds: number;
  /** Audio after a chunk that the encoder hears with it; its words are decoded as interims only. */
  rightSeconds: number;
  /** New audio that makes a step due, at least: each step costs an encoder pass over left + chunk + right. */
  hopSeconds: number;
  /**
   * The hop grows so that a recording's steps, from asking to answer, take at most this share of its
   * audio's time, up to `maxHopSeconds`: a large model's call costs much the same for a short window
   * as for a longer one (its weights stream from memory each time), and a busy engine batches the
   * steps of several recordings into one call when they come less often.
   */
  stepShare: number;
  maxHopSeconds: number;
  /** Reads the time (ms) a step takes; `performance.now` unless a test gives one. */
  clock?: () => number;
  /**
   * Where the speech is. With it, silence is never decoded, a pause closes the stretch of speech
   * before it at once (its words become final and the decoder starts afresh after it), and words
   * outside speech are dropped.
   */
  speech?: SpeechActivity;
}

/** Chunking the service streams transducers with; see docs/live-cost.md for how they were chosen. */
export const DEFAULT_CHUNK_OPTIONS = {
  leftSeconds: 1,
  rightSeconds: 0.5,
  hopSeconds: 0.5,
  stepShare: 0.25,
  maxHopSeconds: 1.5,
} satisfies Partial<ChunkedTranscriberOptions>;

/**
 * The streaming policy for recognizers that decode chunks with their state carried on (transducers,
 * see `ChunkRequest`): every `hopSeconds` of audio, the frames between the last chunk's end and the
 * newest audio less the right context are decoded for good, and the words they hold become final at
 * once (up to the last word boundary; a word the chunk ends inside of is decoded again, whole, by the
 * next one); the rest is the interim. Each stretch of audio is decoded once for good, so a word never
 * waits for two hypotheses to agree, and the cost per second of audio is set by the chunk geometry,
 * not by how long the speech runs without a pause.
 */
export class ChunkedTranscriber implements LiveTranscriber {
  private readonly pcm: PcmBuffer;
  private readonly track: CaptionTrack;
  /** Samples per decoder frame. */
  private readonly frame: number;
  /** Start of the next chunk, in samples from the recording's start; always a whole frame. */
  private boundary = 0;
  /** Where the open stretch of speech began, in samples (the encoder hears nothing before it); null between stretches. */
  private stretchStart: number | null = null;
  /** What the decoder left at `boundary` (null: start afresh there). */
  private carry: DecoderCarry | null = null;
  /** Audio received when the last step began, in samples. */
  private steppedAt = 0;
  /** Seconds from asking to answer of recent steps. */
  private readonly stepSeconds = new RunningAverage(STEP_TIME_WEIGHT);
  /** Words of the last step that are not final. */
  private open: TimedWord[] = [];
  private interim: Segment | null = null;

  constructor(
    recordingId: string,
    private readonly recognize: WindowRecognizer,
    private readonly options: ChunkedTranscriberOptions,
  ) {
    this.pcm = new PcmBuffer(Math.round(options.bufferSeconds * options.sampleRate));
    this.track = new CaptionTrack(recordingId);
    this.frame = Math.round(options.frameSeconds * options.sampleRate);
  }

  get audioSeconds(): number {
    return this.pcm.endSample / this.options.sampleRate;
  }

  get windowStart(): number {
    return Math.min(this.boundary / this.options.sampleRate, this.open[0]?.start ?? Infinity);
  }

  get interimId(): string {
    return this.track.interimId;
  }

  get currentInterim(): Segment | null {
    return this.interim;
  }

  append(samples: Float32Array): void {
    this.pcm.append(samples);
    this.options.speech?.push(samples);
  }

  /** Seconds of new audio that make the next step due. */
  get hopSeconds(): number {
    const { hopSeconds, stepShare, maxHopSeconds } = this.options;
    const step = this.stepSeconds.value ?? 0;
    return Math.min(maxHopSeconds, Math.max(hopSeconds, step / stepShare));
  }

  due(): boolean {
    if (this.pcm.endSample - this.steppedAt >= this.hopSeconds * this.options.sampleRate) return true;
    return this.stretchStart !== null && this.pauseAfterBoundary() !== null;
  }

  async step({ final }: { final: boolean }): Promise<TranscriptUpdate> {
    const { speech, sampleRate } = this.options;
    if (speech) await (final ? speech.finish() : speech.settled());
    const end = this.pcm.endSample;
    this.steppedAt = end;
    this.boundary = Math.max(this.boundary, this.ceilFrame(this.pcm.startSample));
    if (speech && this.stretchStart === null) {
      // No stretch of speech is open: the next one starts at the next speech onset.
      const onset = speech.speechOnsetFrom(this.boundary / sampleRate) * sampleRate;
      this.boundary = Math.max(this.boundary, this.floorFrame(onset));
      if (!speech.hasSpeech(this.boundary / sampleRate, end / sampleRate)) return this.settle([], []);
    }
    if (end <= this.boundary) return this.settle([], final ? [] : this.open);

    this.stretchStart ??= this.boundary;
    const { to, closing } = this.chunkEnd(end, final);
    const from = this.boundary;
    const windowStart = Math.max(
      this.ceilFrame(this.pcm.startSample),
      this.stretchStart,
      from - this.floorFrame(this.options.leftSeconds * sampleRate),
    );
    // A closing chunk ends the stretch: the speech after the pause is the next stretch's.
    const windowEnd = closing && !final ? to : end;
    const chunk = {
      from: (from - windowStart) / sampleRate,
      to: (to - windowStart) / sampleRate,
      carry: this.carry,
      closing,
    };
    const window = this.pcm.read(windowStart).subarray(0, windowEnd - windowStart);
    const clock = this.options.clock ?? (() => performance.now());
    const askedAt = clock();
    const result = await this.recognize(window, { chunk, ...(speech ? { voiced: true } : {}) });
    this.stepSeconds.add((clock() - askedAt) / 1000);
    if (!result.chunk) throw new Error('the recognizer did not decode the window as a chunk');
    const offset = windowStart / sampleRate;
    const words = result.words.map((w) => ({
      word: w.word,
      start: w.start + offset,
      end: w.end + offset,
      confidence: w.confidence,
    }));
    // The chunk is final as far as it can be.
    const chosen = result.chunk.ends.at(-1);
    const committed = words.slice(0, chosen?.committed ?? 0);
    const open = words.slice(chosen?.committed ?? 0);
    if (chosen) {
      this.carry = closing ? null : chosen.carry;
      this.boundary = windowStart + Math.round(chosen.through * sampleRate);
    }
    if (closing) this.stretchStart = null;
    const heard = (w: TimedWord) => !speech || speech.mayHoldSpeech(w.start, w.end);
    return this.settle(committed.filter(heard), final ? [] : open.filter(heard));
  }

  skipTo(seconds: number): TranscriptUpdate {
    const at = this.floorFrame(seconds * this.options.sampleRate);
    if (at <= this.boundary) return this.settle([], this.open);
    const committed = this.open.filter((w) => w.end <= seconds);
    const open = this.open.filter((w) => w.start >= seconds);
    this.boundary = at;
    this.carry = null;
    this.stretchStart = null;
    return this.settle(committed, open);
  }

  /**
   * Where this step's chunk ends: at the audio's end when the recording ends; in the middle of a
   * pause that began after the last chunk (speech ended: its words are complete); else the right
   * context before the newest audio.
   */
  private chunkEnd(end: number, final: boolean): { to: number; closing: boolean } {
    if (final) return { to: this.ceilFrame(end), closing: true };
    const pause = this.pauseAfterBoundary();
    if (pause) {
      const middle = ((pause.start + pause.end) / 2) * this.options.sampleRate;
      return { to: Math.max(this.boundary, Math.min(this.floorFrame(middle), end)), closing: true };
    }
    const right = this.options.rightSeconds * this.options.sampleRate;
    return { to: Math.max(this.boundary, this.floorFrame(end - right)), closing: false };
  }

  /** The last pause the detector found that began after the open chunk's start. */
  private pauseAfterBoundary(): { start: number; end: number } | null {
    const { speech, sampleRate } = this.options;
    if (!speech) return null;
    const from = this.boundary / sampleRate;
    const pause = speech.pauses(from, this.pcm.endSample / sampleRate).at(-1);
    return pause && pause.start > from ? pause : null;
  }

  private settle(committed: TimedWord[], open: TimedWord[]): TranscriptUpdate {
    this.open = open;
    const keepFrom = this.boundary - this.floorFrame(this.options.leftSeconds * this.options.sampleRate);
    this.pcm.discardBefore(keepFrom);
    this.options.speech?.forgetBefore(keepFrom / this.options.sampleRate);
    const final = this.track.finalSegment(committed);
    this.interim = this.track.interimSegment(open);
    return { finals: final ? [final] : [], interim: this.interim };
  }

  private floorFrame(samples: number): number {
    return Math.floor(samples / this.frame + 1e-9) * this.frame;
  }

  private ceilFrame(samples: number): number {
    return Math.ceil(samples / this.frame - 1e-9) * this.frame;
  }
}
