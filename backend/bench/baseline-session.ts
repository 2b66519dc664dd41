import type { Segment } from '@earshot/shared';
import { joinSamples } from '../src/audio/join-samples';
import { StreamDecoder } from '../src/audio/stream-decoder';
import { CaptionTrack } from '../src/streaming/caption-track';
import type { WindowRecognizer } from '../src/streaming/live-transcriber';

const SAMPLE_RATE = 16_000;
/** The simple design: transcribe after every third 1-second chunk. */
export const BASELINE_CHUNKS_PER_WINDOW = 3;
export const BASELINE_TIMESLICE_SECONDS = 1;

/**
 * One recording in the simplest live-caption design: collect three chunks of audio, transcribe them,
 * show every word as final, clear the buffer. Decoding uses the same persistent ffmpeg decoder as
 * Earshot, so the comparison is about the streaming policy alone (a per-window ffmpeg run would also lose
 * audio wherever a chunk splits a WebM block).
 */
export class BaselineSession {
  private readonly decoder: StreamDecoder;
  private readonly track: CaptionTrack;
  private pending: Float32Array[] = [];
  private windowStart = 0;
  private chunks = 0;
  private tail: Promise<unknown> = Promise.resolve();

  constructor(
    recordingId: string,
    private readonly recognize: WindowRecognizer,
  ) {
    this.track = new CaptionTrack(recordingId);
    this.decoder = new StreamDecoder({
      format: 'matroska',
      sampleRate: SAMPLE_RATE,
      onPcm: (samples) => this.pending.push(samples),
    });
  }

  /** Chunks are handled one at a time, in the order they arrive. */
  receive(bytes: Uint8Array, final: boolean): Promise<Segment[]> {
    const run = this.tail.then(() => this.process(bytes, final));
    this.tail = run.catch(() => {});
    return run;
  }

  close(): void {
    this.decoder.kill();
  }

  private async process(bytes: Uint8Array, final: boolean): Promise<Segment[]> {
    this.decoder.write(bytes);
    this.chunks++;
    if (final) {
      await this.decoder.end();
    } else if (this.chunks % BASELINE_CHUNKS_PER_WINDOW === 0) {
      await this.decoder.settle({ quietMs: 30, maxWaitMs: 400 });
    } else {
      return [];
    }
    // As in Earshot: ffmpeg may complain about a stream that simply stopped, which is no error here.
    const error = this.decoder.error;
    if (error && !(final && this.decoder.decodedSeconds > 0)) throw error;
    return this.transcribeBuffer();
  }

  private async transcribeBuffer(): Promise<Segment[]> {
    const samples = joinSamples(this.pending);
    this.pending = [];
    const offset = this.windowStart;
    this.windowStart += samples.length / SAMPLE_RATE;
    if (samples.length === 0) return [];
    const words = (await this.recognize(samples)).words.map((w) => ({
      ...w,
      start: w.start + offset,
      end: w.end + offset,
    }));
    const segment = this.track.finalSegment(words);
    return segment ? [segment] : [];
  }
}
