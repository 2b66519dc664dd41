import {
  type AsrStreamRequest,
  type CaptionLanguageChoice,
  RECORDING_ROUTING,
  streamLanguageFields,
} from '@earshot/shared';
import { authHeaders } from '../backend-auth';
import { classifyReply, type StreamReply, type UploadOutcome } from './backend-reply';
import { blobToBase64 } from './base64';
import { ChunkQueue } from './chunk-queue';

export interface RecordedChunk {
  recordingId: string;
  seq: number;
  blob: Blob;
  mimeType: string;
  capturedAtMs: number;
  final: boolean;
  /** The recording's languages (the backend reads them at seq 0; later chunks must not differ). */
  languages: CaptionLanguageChoice;
}

export interface ChunkUploaderOptions {
  backendUrl: string;
  apiKey?: string;
  userId: string;
  tabId: number;
  maxQueuedChunks: number;
  /** Give up on one POST after this long and treat the backend as unreachable. */
  requestTimeoutMs: number;
  /** Retry delays grow from the first to the last value and then stay there. */
  retryDelaysMs: readonly number[];
  /** Every reply, even an empty one: it says the recording has no interim text any more. */
  onSegments(recordingId: string, reply: StreamReply): void;
  onBackendReachable(): void;
  onBackendUnavailable(reason: string): void;
  /** The recording can no longer continue (backend said so, or its backlog overflowed). */
  onRestartRequired(recordingId: string, reason: string): void;
  onRefused(reason: string): void;
}

/**
 * Uploads one tab's chunks to POST /asr/stream strictly in order, one request at a time, retrying
 * with backoff while the backend is unreachable. See ChunkQueue for what happens on overflow.
 */
export class ChunkUploader {
  private readonly queue: ChunkQueue<RecordedChunk>;
  private readonly endpoint: string;
  private pumping = false;
  private closed = false;
  private failures = 0;
  private wakeRetry: (() => void) | undefined;

  constructor(private readonly options: ChunkUploaderOptions) {
    this.queue = new ChunkQueue(options.maxQueuedChunks);
    this.endpoint = new URL('/asr/stream', options.backendUrl).toString();
  }

  push(chunk: RecordedChunk): void {
    if (this.closed) return;
    if (this.queue.push(chunk) === 'overflow') {
      this.options.onRestartRequired(
        chunk.recordingId,
        `more than ${this.queue.capacity} chunks waiting for the backend`,
      );
      return;
    }
    void this.pump();
  }

  /** Forgets a recording's unsent chunks (it is being replaced by a new one). */
  dropRecording(recordingId: string): void {
    this.queue.dropRecording(recordingId);
  }

  /** Stops uploading; a pending retry wait ends at once. */
  close(): void {
    this.closed = true;
    this.queue.clear();
    this.wakeRetry?.();
  }

  /** Sends what is queued (e.g. a recording's final chunk) and then closes. */
  async drainAndClose(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.queue.size > 0 && !this.closed && Date.now() < deadline && this.failures === 0) {
      await sleep(50);
    }
    this.close();
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      for (let chunk = this.queue.peek(); chunk && !this.closed; chunk = this.queue.peek()) {
        const outcome = await this.send(chunk);
        if (this.closed) return;
        switch (outcome.kind) {
          case 'delivered':
            this.failures = 0;
            this.queue.remove(chunk);
            this.options.onBackendReachable();
            this.options.onSegments(chunk.recordingId, outcome.reply);
            break;
          case 'unavailable':
            this.options.onBackendUnavailable(outcome.reason);
            await this.waitBeforeRetry();
            break;
          case 'restart_recording':
            this.failures = 0;
            this.queue.dropRecording(chunk.recordingId);
            this.options.onBackendReachable();
            this.options.onRestartRequired(chunk.recordingId, outcome.reason);
            break;
          case 'refused':
            this.queue.clear();
            this.options.onRefused(outcome.reason);
            return;
        }
      }
    } finally {
      this.pumping = false;
    }
  }

  private async send(chunk: RecordedChunk): Promise<UploadOutcome> {
    const body: AsrStreamRequest = {
      user_id: this.options.userId,
      tab_id: this.options.tabId,
      seq: chunk.seq,
      mime_type: chunk.mimeType,
      audio_b64: await blobToBase64(chunk.blob),
      recording_id: chunk.recordingId,
      captured_at_ms: chunk.capturedAtMs,
      final: chunk.final,
      ...streamLanguageFields(chunk.languages),
    };
    // The recording id where a load balancer can hash it, so the recording stays on one worker.
    const url = new URL(this.endpoint);
    url.searchParams.set(RECORDING_ROUTING.query, chunk.recordingId);
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          [RECORDING_ROUTING.header]: chunk.recordingId,
          ...authHeaders(this.options.apiKey),
        },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.options.requestTimeoutMs),
      });
      return await classifyReply(response);
    } catch (error) {
      const timedOut = error instanceof DOMException && error.name === 'TimeoutError';
      return {
        kind: 'unavailable',
        reason: timedOut
          ? `The Earshot backend at ${this.options.backendUrl} did not answer within ${this.options.requestTimeoutMs / 1000} s.`
          : `Cannot reach the Earshot backend at ${this.options.backendUrl}. Is it running?`,
      };
    }
  }

  private async waitBeforeRetry(): Promise<void> {
    const delays = this.options.retryDelaysMs;
    const delay = delays[Math.min(this.failures, delays.length - 1)] ?? 1000;
    this.failures += 1;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, delay);
      this.wakeRetry = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.wakeRetry = undefined;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
