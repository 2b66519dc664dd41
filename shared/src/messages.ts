import { z } from 'zod';
import { CaptionLanguageChoiceSchema } from './caption-languages';
import { type Segment, SegmentSchema, type Word, WordSchema } from './protocol';
import { WordFilterSettingsSchema } from './word-filter/settings';

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
  /** How long the tab's sound is held back before it plays (protect mode); captions wait as long. */
  playbackDelaySeconds: z.number().nonnegative().optional(),
  segments: z.array(SegmentSchema),
  /** The segments are a translation: their words are not what the audio says, and their times are estimates. */
  translated: z.boolean().optional(),
  /** Dual captions: the same stretch in the spoken language, shown above the translation. */
  originalSegments: z.array(SegmentSchema).optional(),
});
export type CaptionsUpdate = z.infer<typeof CaptionsUpdateSchema>;

/**
 * An update's segments in the spoken language, the words the audio says (what silences and latency
 * go by): a translation's are not, and have no times of their own; dual captions bring the spoken
 * ones beside it, a translation alone has none.
 */
export function spokenSegmentsOf(
  update: Pick<CaptionsUpdate, 'segments' | 'translated' | 'originalSegments'>,
): Segment[] {
  return update.translated ? (update.originalSegments ?? []) : update.segments;
}

/** Background → offscreen document: start capturing a tab from a tabCapture stream id. */
export const OffscreenStartSchema = z.object({
  type: z.literal('earshot/offscreen-start'),
  tabId: z.number().int().nonnegative(),
  streamId: z.string().min(1),
  backendUrl: z.string().url(),
  /** Sent as `Authorization: Bearer <key>` on every request when the backend asks for keys. */
  apiKey: z.string().max(512).optional(),
  userId: z.string().min(1),
  /** MediaRecorder timeslice: how much audio each uploaded chunk holds. */
  timesliceMs: z.number().int().positive(),
  /** Word-filter settings for this tab's site (`enabled` is false where the filter is off). */
  filter: WordFilterSettingsSchema,
  /** The caption languages of this tab's site. */
  languages: CaptionLanguageChoiceSchema,
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

/**
 * Background → offscreen document: the caption languages of a captured tab changed; the capture
 * goes on in a new recording, since a recording keeps its languages.
 */
export const OffscreenLanguagesSchema = z.object({
  type: z.literal('earshot/offscreen-languages'),
  tabId: z.number().int().nonnegative(),
  languages: CaptionLanguageChoiceSchema,
});
export type OffscreenLanguages = z.infer<typeof OffscreenLanguagesSchema>;

/** Background → offscreen document: the word-filter settings of a captured tab changed. */
export const OffscreenFilterSchema = z.object({
  type: z.literal('earshot/offscreen-filter'),
  tabId: z.number().int().nonnegative(),
  filter: WordFilterSettingsSchema,
});
export type OffscreenFilter = z.infer<typeof OffscreenFilterSchema>;

/**
 * A blocked word to silence, in wall-clock ms at which the tab played it (before any delay), and
 * where the word after it starts when known (its padding stops there).
 */
export const MuteSpanSchema = z
  .object({ startAtMs: z.number(), endAtMs: z.number(), nextStartAtMs: z.number().optional() })
  .refine((s) => s.endAtMs > s.startAtMs && s.endAtMs - s.startAtMs < 10_000, 'a span is 0–10 s long');
export type MuteSpan = z.infer<typeof MuteSpanSchema>;

/** Content script → background: blocked words the cached transcript says are about to play again. */
export const MuteAheadSchema = z.object({
  type: z.literal('earshot/mute-ahead'),
  spans: z.array(MuteSpanSchema).max(50),
  /**
   * The spans replace every span announced before whose sound the tab has not started to play:
   * the media paused, stalled, seeked or changed speed, so those came at the wrong time.
   */
  replace: z.boolean().optional(),
});
export type MuteAhead = z.infer<typeof MuteAheadSchema>;

/** Background → offscreen document: a MuteAhead for one captured tab. */
export const OffscreenMuteSchema = MuteAheadSchema.extend({
  type: z.literal('earshot/offscreen-mute'),
  tabId: z.number().int().nonnegative(),
});
export type OffscreenMute = z.infer<typeof OffscreenMuteSchema>;

/** Offscreen document → background: word-filter figures of one capture, for the popup. */
export const FilterStatsReportSchema = z.object({
  type: z.literal('earshot/filter-stats'),
  tabId: z.number().int().nonnegative(),
  /** Distinct blocked words found since the capture started. */
  filteredWords: z.number().int().nonnegative(),
  /** Median time from a word's end being heard to the recognizer reporting it. */
  latencySeconds: z.number().nonnegative().optional(),
});
export type FilterStatsReport = z.infer<typeof FilterStatsReportSchema>;

/** Offscreen document → background: how one capture's captions keep up, for the popup. */
export const CaptionStatsReportSchema = z.object({
  type: z.literal('earshot/caption-stats'),
  tabId: z.number().int().nonnegative(),
  /** Median seconds from a word's start being heard to the backend's reply naming it. */
  latencySeconds: z.number().nonnegative().optional(),
  /** The backend's latest reply came before its recognition caught up (it is queued or shedding). */
  behind: z.boolean(),
  /** Seconds of this tab's audio the backend has received but not yet recognized. */
  lagSeconds: z.number().nonnegative(),
});
export type CaptionStatsReport = z.infer<typeof CaptionStatsReportSchema>;

/** Extension page → offscreen document: the recent loudness of a captured tab's output. */
export const OutputLevelsRequestSchema = z.object({
  type: z.literal('earshot/output-levels'),
  tabId: z.number().int().nonnegative(),
});
export type OutputLevelsRequest = z.infer<typeof OutputLevelsRequestSchema>;

/**
 * RMS of 10 ms blocks of what the user hears, by the wall-clock ms at which each block played, and
 * the silences scheduled on it: for words the recognizer heard, or announced ahead by a transcript.
 */
export const OutputLevelsSchema = z.object({
  levels: z.array(z.object({ atMs: z.number(), rms: z.number().nonnegative() })),
  silences: z.array(z.object({ fromMs: z.number(), toMs: z.number(), source: z.enum(['heard', 'ahead']) })),
  /** The tab's sound's measured latency into the path (ms), by the wall-clock ms of each measurement. */
  captureLatency: z.array(z.object({ atMs: z.number(), ms: z.number() })),
});
export type OutputLevels = z.infer<typeof OutputLevelsSchema>;

/** One cue of a video's transcript, in the video's own time (seconds). */
export const TranscriptCueSchema = z.object({
  start_seconds: z.number().nonnegative(),
  end_seconds: z.number().nonnegative(),
  text: z.string(),
  words: z.array(WordSchema),
  /** A translation: the words are not the audio's, so a replay never silences by them. */
  translated: z.boolean().optional(),
});
export type TranscriptCue = z.infer<typeof TranscriptCueSchema>;

/**
 * Content script → background: final captions of the page's video, placed in its media time, and
 * the blocked words heard live as the recognizer first read them. A replay silences those even
 * where the final reading differs: an interim "shit" that the final caption reads as "shirt" was
 * silenced live, and is silenced again.
 */
export const TranscriptPutSchema = z.object({
  type: z.literal('earshot/transcript-put'),
  videoKey: z.string().min(1).max(2048),
  title: z.string().max(500),
  cues: z.array(TranscriptCueSchema).max(200),
  heardBlockedWords: z.array(WordSchema).max(200).optional(),
});
export type TranscriptPut = z.infer<typeof TranscriptPutSchema>;

/** Background → content script: what is cached of a video (the answer to a TranscriptGet). */
export interface CachedTranscript {
  cues: TranscriptCue[];
  heardBlockedWords: Word[];
}

/** Content script → background: the cached transcript of a video (answered with a CachedTranscript, or nothing). */
export const TranscriptGetSchema = z.object({
  type: z.literal('earshot/transcript-get'),
  videoKey: z.string().min(1).max(2048),
});
export type TranscriptGet = z.infer<typeof TranscriptGetSchema>;

/** Side panel → content script of the media's frame: play the captioned media from this time. */
export const SeekSchema = z.object({
  type: z.literal('earshot/seek'),
  seconds: z.number().nonnegative(),
});
export type Seek = z.infer<typeof SeekSchema>;

/** Background → extension pages: a video's cached transcript took in new cues. */
export interface TranscriptChanged {
  type: 'earshot/transcript-changed';
  videoKey: string;
}

/** Popup → content script: which video the page plays (answered with VideoIdentity or null). */
export const VideoIdentityRequestSchema = z.object({ type: z.literal('earshot/video-identity') });
export const VideoIdentitySchema = z.object({ videoKey: z.string(), title: z.string() });
export type VideoIdentity = z.infer<typeof VideoIdentitySchema>;

/**
 * Content script of one frame → background: whether the frame's captioned media (the playing,
 * audible one) plays, and since when. Captions go to the frame whose media started last.
 */
export const MediaStateSchema = z.object({
  type: z.literal('earshot/media-state'),
  playing: z.boolean(),
  startedAtMs: z.number().nonnegative(),
});
export type MediaState = z.infer<typeof MediaStateSchema>;

/** The frame of a tab that draws its captions: the one whose playing media started last, else the top frame. */
export function captionFrame(frames: Record<string, { playing: boolean; startedAtMs: number }>): number {
  let best: { frameId: number; startedAtMs: number } | undefined;
  for (const [frameId, state] of Object.entries(frames)) {
    if (state.playing && (!best || state.startedAtMs > best.startedAtMs))
      best = { frameId: Number(frameId), startedAtMs: state.startedAtMs };
  }
  return best?.frameId ?? 0;
}
