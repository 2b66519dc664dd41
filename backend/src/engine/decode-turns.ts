import { EngineError } from './errors.js';
import type { RecognitionResult, RecognizerStream } from './types.js';
import { WaveformStream } from './waveform-stream.js';

/**
 * A recognizer's decodes, one at a time in call order (concurrent callers wait instead of competing
 * for the same cores), each over streams that recognizer made; its release waits for the decode
 * under way.
 */
export class DecodeTurns<Owner, Result extends RecognitionResult> {
  private queue: Promise<unknown> = Promise.resolve();
  private released: Promise<void> | undefined;

  constructor(private readonly owner: Owner) {}

  take(
    streams: readonly RecognizerStream[],
    decode: (own: WaveformStream<Owner, Result>[]) => Promise<void>,
  ): Promise<void> {
    const own = streams.map((stream) => {
      if (!(stream instanceof WaveformStream) || stream.owner !== this.owner) {
        throw new EngineError('foreign_stream', 'decode() was given a stream not created by this recognizer');
      }
      return stream as WaveformStream<Owner, Result>;
    });
    const run = this.queue.then(() => decode(own));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Frees the recognizer's sessions once the decode under way is done; later calls get the same release. */
  release(free: () => Promise<unknown>): Promise<void> {
    this.released ??= this.queue.then(async () => {
      await free();
    });
    return this.released;
  }
}
