import type { Segment, Word } from '@earshot/shared';
import type { InferenceOutcome, InferenceRequest } from '../streaming/inference-queue';
import { PcmBuffer } from '../streaming/pcm-buffer';

/** Sends a window to the quality model's inference queue. */
export type QualityInfer = (request: InferenceRequest) => Promise<InferenceOutcome>;

export interface QualityFinalsOptions {
  /** Identifies the recording in the quality model's queue. */
  key: string;
  infer: QualityInfer;
  sampleRate: number;
  bufferSeconds: number;
  /**
   * Once the stretches waiting for the quality model hold more audio than this, a new stretch keeps the
   * fast model's words: finals stay bounded in delay when the quality model cannot keep up.
   */
  maxPendingSeconds: number;
  /**
   * The quality model's queue is too far behind for all its users together: a new stretch then keeps
   * the fast words too, so one slow model shared by many recordings does not stack up their finals.
   */
  qualityBehind?: () => boolean;
  /** Audio on either side of a stretch handed to the quality model with it. */
  contextSeconds?: number;
  /**
   * Commits are gathered into one stretch until it covers this much of the recording (silence
   * included), so the quality model is not paid its context for every word or two.
   */
  minStretchSeconds?: number;
}

/** A stretch the commit policy declared done, waiting for (or holding) its quality final. */
interface Stretch {
  /** The fast model's finals gathered into the stretch. */
  fast: Segment[];
  /** The stretch's part of the recording's timeline, seconds: words centred here are its words. */
  from: number;
  to: number;
  /** Set once decided; a stretch still gathering commits or being decoded has none. */
  final: Segment | null;
}

const DEFAULT_CONTEXT_SECONDS = 0.3;
const DEFAULT_MIN_STRETCH_SECONDS = 1;

/**
 * Finals from a second, stronger model: each stretch the streaming policy (run on the fast model)
 * commits is decoded again by the quality model through its own queue, at final priority, and its words
 * become the final segment, under the fast model's segment id. Until then the fast words stay on
 * screen as part of the interim, so captions go from the fast words to the quality words once and
 * never back. Finals leave in the order their stretches were committed.
 */
export class QualityFinals {
  private readonly pcm: PcmBuffer;
  /** Stretches not handed out yet, in commit order. */
  private readonly stretches: Stretch[] = [];
  /** The last stretch, while it is still gathering commits. */
  private gathering: Stretch | null = null;
  private readonly work = new Set<Promise<void>>();
  /** End of the timeline already handed to a stretch. */
  private committedThrough = 0;

  constructor(private readonly options: QualityFinalsOptions) {
    this.pcm = new PcmBuffer(Math.round(options.bufferSeconds * options.sampleRate));
  }

  /** Seconds of audio in stretches still waiting for the quality model. */
  get pendingSeconds(): number {
    return this.stretches
      .filter((s) => !s.final && s !== this.gathering)
      .reduce((sum, s) => sum + (s.to - s.from), 0);
  }

  /** Stretches committed and not yet handed out. */
  get waiting(): boolean {
    return this.stretches.length > 0;
  }

  append(samples: Float32Array): void {
    this.pcm.append(samples);
  }

  /**
   * What the policy decided in one step: the fast-model finals it committed (maybe none) and where its
   * open window now starts (everything before it is decided).
   */
  commit(finals: readonly Segment[], through: number): void {
    if (finals.length > 0 && !this.gathering) {
      this.gathering = { fast: [], from: this.committedThrough, to: this.committedThrough, final: null };
      this.stretches.push(this.gathering);
    }
    const last = finals.at(-1);
    const to = Math.max(through, last?.end_seconds ?? 0, this.committedThrough);
    this.committedThrough = to;
    if (this.gathering) {
      this.gathering.fast.push(...finals);
      this.gathering.to = to;
      const { minStretchSeconds = DEFAULT_MIN_STRETCH_SECONDS } = this.options;
      if (to - this.gathering.from >= minStretchSeconds) this.close();
    }
    this.forgetAudio();
  }

  /** The recording ended: the stretch still gathering is decided now. */
  flush(): void {
    this.close();
  }

  /** The finals whose turn has come, in commit order; each is handed out once. */
  take(): Segment[] {
    const ready: Segment[] = [];
    while (this.stretches[0]?.final) {
      const { final } = this.stretches.shift() as Stretch;
      if (final && final.words.length > 0) ready.push(final);
    }
    this.forgetAudio();
    return ready;
  }

  /**
   * The interim as it should be shown: the fast words of stretches not handed out yet, then the open
   * interim of the policy.
   */
  interim(open: Segment | null, interimId: string): Segment | null {
    const words: Word[] = this.stretches.flatMap((s) => s.fast.flatMap((f) => f.words));
    if (words.length === 0) return open;
    return wordsSegment(interimId, [...words, ...(open?.words ?? [])], false);
  }

  /** Resolves once every stretch committed so far has its final. */
  async settled(): Promise<void> {
    while (this.work.size > 0) await Promise.all(this.work);
  }

  private close(): void {
    const stretch = this.gathering;
    if (!stretch) return;
    this.gathering = null;
    const fast = fastFinal(stretch);
    if (this.pendingSeconds > this.options.maxPendingSeconds || this.options.qualityBehind?.()) {
      stretch.final = fast;
    } else this.decode(stretch, fast);
  }

  private decode(stretch: Stretch, fast: Segment): void {
    const { sampleRate, contextSeconds = DEFAULT_CONTEXT_SECONDS } = this.options;
    const first = Math.max(this.pcm.startSample, Math.round((stretch.from - contextSeconds) * sampleRate));
    const last = Math.round((stretch.to + contextSeconds) * sampleRate);
    const samples = this.pcm.read(first).subarray(0, Math.max(0, last - first));
    const offset = first / sampleRate;
    const job = this.options
      .infer({ key: this.options.key, kind: 'final', samples })
      .then(
        (outcome) => {
          if (outcome.status !== 'recognized') return fast;
          const words: Word[] = outcome.result.words
            .map((w) => ({
              word: w.word.trim(),
              start_seconds: round(w.start + offset),
              end_seconds: round(Math.max(w.end, w.start) + offset),
              confidence: Math.min(1, Math.max(0, w.confidence)),
            }))
            .filter((w) => {
              const centre = (w.start_seconds + w.end_seconds) / 2;
              return w.word.length > 0 && centre >= stretch.from && centre < stretch.to;
            });
          return wordsSegment(fast.id, words, true);
        },
        // A quality decode that fails leaves the fast model's words: a final is never lost.
        () => fast,
      )
      .then((final) => {
        stretch.final = final;
      });
    const tracked = job.finally(() => this.work.delete(tracked));
    this.work.add(tracked);
  }

  /** Audio before the oldest stretch still to decode (and before the open window) is not needed again. */
  private forgetAudio(): void {
    const { sampleRate, contextSeconds = DEFAULT_CONTEXT_SECONDS } = this.options;
    const oldest = this.stretches.find((s) => !s.final)?.from ?? this.committedThrough;
    this.pcm.discardBefore(Math.round((oldest - contextSeconds) * sampleRate));
  }
}

/** The stretch in the fast model's words, under the id of its first final. */
function fastFinal(stretch: Stretch): Segment {
  const id = stretch.fast[0]?.id ?? '';
  return wordsSegment(
    id,
    stretch.fast.flatMap((f) => f.words),
    true,
  );
}

function wordsSegment(id: string, words: readonly Word[], final: boolean): Segment {
  const first = words[0];
  const last = words.at(-1);
  return {
    id,
    text: words.map((w) => w.word).join(' '),
    start_seconds: first?.start_seconds ?? 0,
    end_seconds: last ? Math.max(last.end_seconds, first?.start_seconds ?? 0) : 0,
    confidence: words.length > 0 ? words.reduce((sum, w) => sum + w.confidence, 0) / words.length : 0,
    final,
    words: [...words],
  };
}

function round(seconds: number): number {
  return Math.max(0, Math.round(seconds * 1000) / 1000);
}
