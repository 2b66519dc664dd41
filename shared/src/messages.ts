import { z } from 'zod';
import { SegmentSchema } from './protocol';

/** Runtime messages between extension pages (popup, background, offscreen, content script). */

export const CaptureCommandSchema = z.object({
  type: z.literal('earshot/capture'),
  action: z.enum(['start', 'stop']),
  tabId: z.number().int().nonnegative(),
});
export type CaptureCommand = z.infer<typeof CaptureCommandSchema>;

export const CaptureStatusSchema = z.enum(['off', 'starting', 'live', 'backend_offline', 'error']);
export type CaptureStatus = z.infer<typeof CaptureStatusSchema>;

export const TabCaptureStateSchema = z.object({
  tabId: z.number().int().nonnegative(),
  status: CaptureStatusSchema,
  /** Human-readable reason when status is `error` or `backend_offline`. */
  reason: z.string().optional(),
  recordingId: z.string().optional(),
  startedAtMs: z.number().optional(),
});
export type TabCaptureState = z.infer<typeof TabCaptureStateSchema>;

/** Offscreen document → content script (via background): new or replaced segments of a recording. */
export const CaptionsUpdateSchema = z.object({
  type: z.literal('earshot/captions'),
  tabId: z.number().int().nonnegative(),
  recordingId: z.string(),
  /** Wall clock (ms) at which the recording's time 0 was captured. */
  recordingStartedAtMs: z.number(),
  segments: z.array(SegmentSchema),
});
export type CaptionsUpdate = z.infer<typeof CaptionsUpdateSchema>;
