import type { Segment } from '@earshot/shared';
import { CaptionTrack } from './caption-track';
import type { LiveTranscriber, TranscriptUpdate, WindowRecognizer } from './live-transcriber';
import { type AgreementStep, LocalAgreement, type LocalAgreementOptions } from './local-agreement';
import { PcmBuffer } from './pcm-buffer';
import type { SpeechActivity } from './speech-activity';
import type { TimedWord } from './timed-word';

export interface StreamingTranscriberOptions {
  sampleRate: number;
  /** Most audio held for one recording; older audio is dropped (and its words lost) past this. */
  bufferSeconds: number;
  /** Windows shorter than this are not worth an encoder pass unless the recording is ending. */
  minWindowSeconds: number;
  /**
   * Audio from before the window handed to the recognizer with it. Models time words late (a
   * transducer emits a token a frame or more after its sound), so a window starting at the last
   * committed word's reported end can cut into the next word's onset; with context the model hears
   * that onset, and the words it finds there that were already committed are dropped by their time.
   */
  contextSeconds?: number;
  /**
   * New audio that makes a step due (a pause after the open window's start does too). Every step
   * decodes the whole open window again, so this sets the cost; without it every step is due.
   */
  stepSeconds?: number;
  agreement?: LocalAgreementOptions;
  /**
   * Where the speech is in this recording. With it, windows without speech never reach the recognizer,
   * windows start at speech onset, words outside speech are dropped, and pauses commit the words before
   * them; without it, only agreement commits.
   */
  speech?: SpeechActivity;
}

/** Window settings the service streams with. */
export const DEFAULT_WINDOW_OPTIONS = {
  minWindowSeconds: 0.3,
  contextSeconds: 0.5,
  stepSeconds: 1,
} satisfies Partial<StreamingTranscriberOptions>;

/**
 * The streaming policy of one recording, kept apart from the model: it buffers decoded audio, runs the
 * recognizer on the uncommitted window (only when it holds speech, if a speech detector is given), places
 * the words on the recording's timeline and lets LocalAgreement decide which of them are final.
 */
export class StreamingTranscriber implements LiveTranscriber {
  private readonly pcm: PcmBuffer;
  private readonly policy: LocalAgreement;
  private readonly track: CaptionTrack;
  private interim: Segment | null = null;
  /** Audio received when the last step began, in samples. */
  private steppedAt = 0;

  constructor(
    recordingId: string,
    private readonly recognize: WindowRecognizer,
    private readonly options: StreamingTranscriberOptions,
  ) {
    this.pcm = new PcmBuffer(Math.round(options.bufferSeconds * options.sampleRate));
    this.policy = new LocalAgreement(options.agreement);
    this.track = new CaptionTrack(recordingId);
  }

  /** Seconds of audio received so far, counted from the recording's start. */
  get audioSeconds(): number {
    return this.pcm.endSample / this.options.sampleRate;
  }

  /** Start of the audio not yet final, seconds from the recording's start. */
  get windowStart(): number {
    return this.policy.windowStart;
  }

  /** The id every interim segment of this recording carries. */
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

  due(): boolean {
    const { stepSeconds = 0, sampleRate, speech } = this.options;
    if (this.pcm.endSample - this.steppedAt >= stepSeconds * sampleRate) return true;
    const pause = speech?.pauses(this.windowStart, this.audioSeconds).at(-1);
    return pause !== undefined && pause.start > this.windowStart && this.currentInterim !== null;
  }

  /** Recognizes the open window; with `final`, everything left becomes final. */
  async step({ final }: { final: boolean }): Promise<TranscriptUpdate> {
    const { sampleRate, minWindowSeconds, speech } = this.options;
    this.steppedAt = this.pcm.endSample;
    this.policy.advanceTo(this.pcm.startSample / sampleRate);
    if (speech) {
      await (final ? speech.finish() : speech.settled());
      // Audio before the next speech onset (minus padding) holds no words: the window starts there.
      this.policy.advanceTo(speech.speechOnsetFrom(this.policy.windowStart));
    }
    const windowStart = this.policy.windowStart;
    const from = this.contextStartSample(windowStart);
    const window = this.pcm.read(from);
    const offset = from / sampleRate;
    const windowEnd = offset + window.length / sampleRate;
    const open = windowEnd - windowStart;
    const tooShort = open < minWindowSeconds && !(final && open > 0);
    if (tooShort || (speech && !speech.hasSpeech(windowStart, windowEnd))) {
      return this.settle(final ? this.policy.finish([]) : this.policy.current());
    }

    const hints = { ...(speech ? { voiced: true } : {}), ...(final ? {} : { live: true }) };
    const words: TimedWord[] = (await this.recognize(window, hints)).words
      .map((w) => ({ word: w.word, start: w.start + offset, end: w.end + offset, confidence: w.confidence }))
      .filter((w) => !speech || speech.mayHoldSpeech(w.start, w.end));
    const step = final
      ? this.policy.finish(words)
      : this.policy.update(words, windowEnd, speech?.pauses(windowStart, windowEnd) ?? []);
    return this.settle(step);
  }

  /**
   * Gives up recognizing the audio before `seconds` (see LocalAgreement.skipTo); returns the words of the
   * latest hypothesis there as a final segment.
   */
  skipTo(seconds: number): TranscriptUpdate {
    return this.settle(this.policy.skipTo(seconds));
  }

  private contextStartSample(windowStart: number): number {
    const { sampleRate, contextSeconds = 0 } = this.options;
    return Math.max(this.pcm.startSample, Math.round((windowStart - contextSeconds) * sampleRate));
  }

  private settle(step: AgreementStep): TranscriptUpdate {
    const start = this.policy.windowStart;
    this.pcm.discardBefore(this.contextStartSample(start));
    this.options.speech?.forgetBefore(start);
    const final = this.track.finalSegment(step.committed);
    this.interim = this.track.interimSegment(step.interim);
    return { finals: final ? [final] : [], interim: this.interim };
  }
}
