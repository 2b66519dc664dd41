import type { RecognitionResult, Recognizer, RecognizerStream } from '../engine/types';

interface PendingDecode {
  samples: Float32Array;
  resolve(result: RecognitionResult): void;
  reject(error: unknown): void;
}

/**
 * Serializes recognizer calls and batches the windows of all sessions that are waiting into one
 * `recognizer.decode` call, so concurrent tabs share encoder passes instead of queueing behind each other.
 */
export class BatchDecoder {
  private queue: PendingDecode[] = [];
  private running = false;

  constructor(
    private readonly recognizer: Recognizer,
    private readonly maxBatch = 8,
  ) {}

  decode(samples: Float32Array): Promise<RecognitionResult> {
    return new Promise((resolve, reject) => {
      this.queue.push({ samples, resolve, reject });
      if (!this.running) {
        this.running = true;
        // Let requests that arrive in the same tick join the first batch.
        setImmediate(() => void this.drain());
      }
    });
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch);
      // A window the recognizer refuses (e.g. non-finite samples) fails only its own session.
      const accepted: { pending: PendingDecode; stream: RecognizerStream }[] = [];
      for (const pending of batch) {
        try {
          const stream = this.recognizer.createStream();
          stream.acceptWaveform(pending.samples);
          accepted.push({ pending, stream });
        } catch (error) {
          pending.reject(error);
        }
      }
      if (accepted.length === 0) continue;
      try {
        await this.recognizer.decode(accepted.map((a) => a.stream));
        for (const { pending, stream } of accepted) {
          if (stream.result) pending.resolve(stream.result);
          else pending.reject(new Error('recognizer returned no result for a stream'));
        }
      } catch (error) {
        for (const { pending } of accepted) pending.reject(error);
      }
    }
    this.running = false;
  }
}
