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

/** Background → offscreen document: start capturing a tab from a tabCapture stream id. */
export const OffscreenStartSchema = z.object({
  type: z.literal('earshot/offscreen-start'),
  tabId: z.number().int().nonnegative(),
  streamId: z.string().min(1),
  backendUrl: z.string().url(),
  userId: z.string().min(1),
  /** MediaRecorder timeslice: how much audio each uploaded chunk holds. */
  timesliceMs: z.number().int().positive(),
});
export type OffscreenStart = z.infer<typeof OffscreenStartSchema>;

/** Background → offscreen document: stop capturing a tab (no-op when it is not captured). */
export const OffscreenStopSchema = z.object({
  type: z.literal('earshot/offscreen-stop'),
  tabId: z.number().int().nonnegative(),
});
export type OffscreenStop = z.infer<typeof OffscreenStopSchema>;

/** Offscreen document → background: the capture of a tab changed state. */
export const CaptureStatusReportSchema = TabCaptureStateSchema.extend({
  type: z.literal('earshot/capture-status'),
});
export type CaptureStatusReport = z.infer<typeof CaptureStatusReportSchema>;

/** Reply to a CaptureCommand: the tab's state after the command, or why it could not run. */
export const CaptureCommandReplySchema = z.union([
  z.object({ ok: z.literal(true), state: TabCaptureStateSchema }),
  z.object({ ok: z.literal(false), error: z.string() }),
]);
export type CaptureCommandReply = z.infer<typeof CaptureCommandReplySchema>;
