import { setTimeout as sleep } from 'node:timers/promises';
import { type AsrStreamRequest, RECORDING_ROUTING, type Segment, SegmentSchema } from '@earshot/shared';
import { z } from 'zod';
import type { PlannedChunk } from './webm-chunks';

export interface TabPlan {
  tabId: number;
  recordingId: string;
  webm: Buffer;
  chunks: readonly PlannedChunk[];
  /** Wall time (ms) at which the simulated recording starts capturing. */
  captureStartMs: number;
}

export interface ResponseRecord {
  seq: number;
  /** When the recorder handed the chunk over, when the request left, when its answer was read. */
  emittedAtMs: number;
  sentAtMs: number;
  receivedAtMs: number;
  /** Seconds of the recording captured once this chunk was handed over. */
  capturedSeconds: number;
  status: number;
  segments: Segment[];
  behind: boolean;
  /** Seconds of audio the server had received but not yet recognized, when it says so. */
  serverLagSeconds: number | null;
  /** `code: message` of a refused chunk. */
  error: string | null;
}

const ReplySchema = z.object({
  segments: z.array(SegmentSchema).optional(),
  behind: z.boolean().optional(),
  lag_seconds: z.number().optional(),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
});

/**
 * One browser tab as the extension drives it: MediaRecorder hands over a chunk every timeslice in real
 * time, and the uploader posts the chunks strictly in order, one request at a time (a chunk handed over
 * while the previous request is still out waits for it). Stops at the first refused chunk.
 */
export async function runTab(baseUrl: string, plan: TabPlan): Promise<ResponseRecord[]> {
  const records: ResponseRecord[] = [];
  // As the extension sends it: the recording id where a load balancer hashes it (bench:cluster).
  const endpoint = new URL('/asr/stream', baseUrl);
  endpoint.searchParams.set(RECORDING_ROUTING.query, plan.recordingId);
  let chunkStartedAtMs = plan.captureStartMs;
  for (const [seq, chunk] of plan.chunks.entries()) {
    const emittedAtMs = plan.captureStartMs + chunk.emitAt * 1000;
    const wait = emittedAtMs - Date.now();
    if (wait > 0) await sleep(wait);
    const body: AsrStreamRequest = {
      user_id: 'bench',
      tab_id: plan.tabId,
      seq,
      mime_type: 'audio/webm;codecs=opus',
      audio_b64: plan.webm.subarray(chunk.from, chunk.to).toString('base64'),
      recording_id: plan.recordingId,
      captured_at_ms: chunkStartedAtMs,
      final: chunk.final,
    };
    chunkStartedAtMs = emittedAtMs;
    const sentAtMs = Date.now();
    const response = await fetch(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [RECORDING_ROUTING.header]: plan.recordingId },
      body: JSON.stringify(body),
    });
    const reply = ReplySchema.parse(await response.json());
    records.push({
      seq,
      emittedAtMs,
      sentAtMs,
      receivedAtMs: Date.now(),
      capturedSeconds: chunk.emitAt,
      status: response.status,
      segments: reply.segments ?? [],
      behind: reply.behind === true,
      serverLagSeconds: reply.lag_seconds ?? null,
      error: reply.error ? `${reply.error.code}: ${reply.error.message}` : null,
    });
    if (!response.ok) break;
  }
  return records;
}
