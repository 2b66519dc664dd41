import {
  type CaptionLanguageChoice,
  type CaptionStatsReport,
  type CaptionsUpdate,
  type FilterStatsReport,
  isTranslation,
  type MuteSpan,
  type OffscreenStart,
  type OutputLevels,
  type Segment,
  silenceSpan,
  spokenSegmentsOf,
  type TabCaptureState,
  type WordFilterSettings,
} from '@earshot/shared';
import type { Backlog, StreamReply } from './backend-reply';
import { BlockedWordTracker } from './blocked-word-tracker';
import { ChunkUploader } from './chunk-uploader';
import type { TimeSpan } from './mute-schedule';
import { PlaybackPath } from './playback-path';
import { WordLatency } from './word-latency';

const MIME_TYPE = 'audio/webm;codecs=opus';
const MAX_QUEUED_CHUNKS = 30;
/** Plenty for speech recognition at 16 kHz, and a quarter of MediaRecorder's default upload size. */
const AUDIO_BITS_PER_SECOND = 32_000;
/** More restarts than this within RESTART_WINDOW_MS means the backend rejects every recording. */
const MAX_RESTARTS = 6;
const RESTART_WINDOW_MS = 60_000;

export interface TabCaptureEvents {
  onState(state: TabCaptureState): void;
  onCaptions(update: CaptionsUpdate): void;
  onFilterStats(stats: FilterStatsReport): void;
  onCaptionStats(stats: CaptionStatsReport): void;
}

interface Recording {
  id: string;
  recorder: MediaRecorder;
  startedAtMs: number;
  nextSeq: number;
  chunkStartedAtMs: number;
  /** Replaced by a new recording: its remaining chunks must not be uploaded. */
  abandoned: boolean;
  /** Settles on the recorder's `stop` event, which comes after its last chunk. */
  ended: Promise<void>;
  /** What its captions are made in; a recording keeps its languages to its end. */
  languages: CaptionLanguageChoice;
}

/** The output levels of a capture whose playback path is not yet (or no longer) there. */
export const NOTHING_PLAYED: OutputLevels = { levels: [], silences: [], captureLatency: [] };

/**
 * Protect mode must silence from a word's start, and a delay that fits only the typical word lets
 * the slow ones through: its latency is the one 95 % of words beat.
 */
const PROTECT_LATENCY_FRACTION = 0.95;

/** Recordings whose late segments can still be placed in time (a stopped one's final reply). */
const REMEMBERED_RECORDINGS = 4;

/**
 * Captures one tab's audio: keeps it audible through the playback path (tab capture mutes the
 * tab), records it as WebM/Opus chunks and uploads them; the backend's segments come back as
 * captions, and the blocked words among them are silenced on the playback path.
 */
export class TabCapture {
  private stream: MediaStream | undefined;
  private playback: PlaybackPath | undefined;
  private readonly blockedWords: BlockedWordTracker;
  private readonly latency = new WordLatency();
  private lastCaptionStats = '';
  private filter: WordFilterSettings;
  private languages: CaptionLanguageChoice;
  private recording: Recording | undefined;
  private uploader: ChunkUploader | undefined;
  private restarts: number[] = [];
  /** Context time at which each recording's time 0 entered the playback path, and its languages. */
  private readonly recordingStarts = new Map<string, { at: number; languages: CaptionLanguageChoice }>();
  /** Set by the first stop(): every later caller awaits the same wind-down. */
  private stopping: Promise<void> | undefined;
  private state: TabCaptureState;

  constructor(
    private readonly config: OffscreenStart,
    private readonly events: TabCaptureEvents,
  ) {
    this.state = { tabId: config.tabId, status: 'starting' };
    this.filter = config.filter;
    this.languages = config.languages;
    this.blockedWords = new BlockedWordTracker(config.filter);
  }

  /**
   * New caption languages: the recording under way ends (its last chunk still goes, so the backend
   * closes it) and a new one starts in them, since a recording keeps its languages.
   */
  setLanguages(languages: CaptionLanguageChoice): void {
    if (JSON.stringify(languages) === JSON.stringify(this.languages)) return;
    this.languages = languages;
    const current = this.recording;
    if (this.stopped || !current) return;
    this.startNextRecording(current);
  }

  /** New word-filter settings: they apply from the next reply (and the delay changes at once). */
  setFilter(filter: WordFilterSettings): void {
    this.filter = filter;
    this.blockedWords.update(filter);
    this.configurePlayback();
  }

  /**
   * Silences spans the page's cached transcript says hold blocked words that are about to play;
   * `replace` first withdraws those announced before that the tab has not started to play.
   */
  muteAhead(spans: MuteSpan[], replace: boolean): void {
    const playback = this.playback;
    if (!playback || !this.filter.enabled || this.filter.audioMode === 'off') return;
    const at = (ms: number) => playback.contextTimeOfWallClock(ms);
    playback.silenceAhead(
      spans.map((span) =>
        silenceSpan(
          {
            start: at(span.startAtMs),
            end: at(span.endAtMs),
            ...(span.nextStartAtMs === undefined ? {} : { nextStart: at(span.nextStartAtMs) }),
          },
          this.filter.padSeconds,
        ),
      ),
      replace,
    );
  }

  outputLevels(): OutputLevels {
    return this.playback?.outputLevels() ?? NOTHING_PLAYED;
  }

  async start(): Promise<void> {
    this.stream = await navigator.mediaDevices.getUserMedia({
      audio: { mandatory: { chromeMediaSource: 'tab', chromeMediaSourceId: this.config.streamId } },
    } as unknown as MediaStreamConstraints);
    this.playback = new PlaybackPath(this.stream);
    this.configurePlayback();
    for (const track of this.stream.getAudioTracks()) {
      track.addEventListener('ended', () => this.fail('The tab stopped sharing its audio.'));
    }
    this.uploader = new ChunkUploader({
      backendUrl: this.config.backendUrl,
      ...(this.config.apiKey ? { apiKey: this.config.apiKey } : {}),
      userId: this.config.userId,
      tabId: this.config.tabId,
      maxQueuedChunks: MAX_QUEUED_CHUNKS,
      requestTimeoutMs: 20_000,
      retryDelaysMs: [250, 500, 1000, 2000, 3000],
      onSegments: (recordingId, reply) => this.deliver(recordingId, reply),
      onBackendReachable: () => this.setState({ status: 'live' }),
      onBackendUnavailable: (reason) => this.setState({ status: 'backend_offline', reason }),
      onRestartRequired: (recordingId, reason) => this.restartRecording(recordingId, reason),
      onRefused: (reason) => this.fail(`The backend refused the audio: ${reason}`),
    });
    this.startRecording();
  }

  /**
   * Ends the capture: the final chunk is flushed to the backend, the tab plays normally again.
   * A second call (a closed tab both ends the track and sends a stop command) waits for the first
   * to finish, since its caller may close this document next.
   */
  stop(): Promise<void> {
    this.stopping ??= this.windDown();
    return this.stopping;
  }

  private get stopped(): boolean {
    return this.stopping !== undefined;
  }

  private async windDown(): Promise<void> {
    const recording = this.recording;
    this.recording = undefined;
    if (recording) {
      // The recorder may already be inactive with its last chunk still to come: a closed tab
      // ends the track, which stops the recorder by itself.
      if (recording.recorder.state !== 'inactive') recording.recorder.stop();
      await recording.ended;
    }
    this.releaseMedia();
    await this.uploader?.drainAndClose(3000);
  }

  private startRecording(): void {
    if (!this.playback || this.stopped) return;
    const recorder = new MediaRecorder(this.playback.recordingStream, {
      mimeType: MIME_TYPE,
      audioBitsPerSecond: AUDIO_BITS_PER_SECOND,
    });
    const now = Date.now();
    const recording: Recording = {
      id: crypto.randomUUID(),
      recorder,
      startedAtMs: now,
      nextSeq: 0,
      chunkStartedAtMs: now,
      abandoned: false,
      ended: new Promise((resolve) => recorder.addEventListener('stop', () => resolve(), { once: true })),
      languages: this.languages,
    };
    this.recordingStarts.set(recording.id, {
      at: this.playback.context.currentTime,
      languages: this.languages,
    });
    for (const id of [...this.recordingStarts.keys()].slice(0, -REMEMBERED_RECORDINGS))
      this.recordingStarts.delete(id);
    recorder.addEventListener('dataavailable', (event) => {
      const final = recorder.state === 'inactive';
      if (recording.abandoned || (event.data.size === 0 && !final)) return;
      this.uploader?.push({
        recordingId: recording.id,
        seq: recording.nextSeq++,
        blob: event.data,
        mimeType: MIME_TYPE,
        capturedAtMs: recording.chunkStartedAtMs,
        final,
        languages: recording.languages,
      });
      recording.chunkStartedAtMs = Date.now();
    });
    recorder.addEventListener('error', () => this.fail('Recording the tab audio failed.'));
    recorder.start(this.config.timesliceMs);
    this.recording = recording;
    this.setState({ recordingId: recording.id, startedAtMs: recording.startedAtMs });
  }

  private restartRecording(recordingId: string, reason: string): void {
    const current = this.recording;
    if (this.stopped || !current || current.id !== recordingId) return;
    const now = Date.now();
    this.restarts = [...this.restarts.filter((t) => now - t < RESTART_WINDOW_MS), now];
    if (this.restarts.length > MAX_RESTARTS) {
      this.fail(`The backend keeps rejecting the audio: ${reason}`);
      return;
    }
    current.abandoned = true;
    this.uploader?.dropRecording(current.id);
    this.startNextRecording(current);
  }

  /** Ends the recording under way (its last chunk still goes, unless it was abandoned) and starts the next. */
  private startNextRecording(current: Recording): void {
    this.recording = undefined;
    if (current.recorder.state !== 'inactive') current.recorder.stop();
    this.startRecording();
  }

  private deliver(recordingId: string, reply: StreamReply): void {
    const playback = this.playback;
    const recording = this.recordingStarts.get(recordingId);
    if (this.stopped || !playback || recording === undefined) return;
    const { segments, backlog, originalSegments } = reply;
    const started = recording.at;
    // The context's clock drifts from the wall clock, so the recording is pinned to it where this
    // reply's words begin: what the page makes of them in media time is right there.
    const pin = segments[0]?.words[0]?.start_seconds ?? 0;
    const startedAtMs = playback.wallClockOfContextTime(started + pin) - pin * 1000;
    const update: CaptionsUpdate = {
      type: 'earshot/captions',
      tabId: this.config.tabId,
      recordingId,
      recordingStartedAtMs: startedAtMs,
      playbackDelaySeconds: playback.delaySeconds,
      segments,
      ...(isTranslation(recording.languages) ? { translated: true } : {}),
      ...(originalSegments ? { originalSegments } : {}),
    };
    const spoken = spokenSegmentsOf(update);
    this.latency.observe(recordingId, startedAtMs, spoken.length > 0 ? spoken : segments, Date.now());
    this.reportCaptionStats(backlog);
    this.silenceBlockedWords(playback, recordingId, started, spoken);
    this.events.onCaptions(update);
  }

  private silenceBlockedWords(
    playback: PlaybackPath,
    recordingId: string,
    startedAtContextSeconds: number,
    segments: Segment[],
  ): void {
    const latency = () => this.latency.percentile(PROTECT_LATENCY_FRACTION);
    const before = { words: this.blockedWords.filteredWords, latency: latency() };
    const silences = this.blockedWords.observe(recordingId, segments);
    // Recording time t entered the path at context time start + t, and comes out `delay` later.
    const offset = startedAtContextSeconds + playback.delaySeconds;
    const shift = (t: TimeSpan) => ({ start: offset + t.start, end: offset + t.end });
    for (const { word, span } of silences) playback.silenceWord({ word: shift(word), span: shift(span) });
    const latencySeconds = latency();
    if (before.words === this.blockedWords.filteredWords && before.latency === latencySeconds) return;
    this.events.onFilterStats({
      type: 'earshot/filter-stats',
      tabId: this.config.tabId,
      filteredWords: this.blockedWords.filteredWords,
      ...(latencySeconds === undefined ? {} : { latencySeconds }),
    });
  }

  /** Tells the popup how the captions keep up, when that changed by what a user would notice. */
  private reportCaptionStats(backlog: Backlog): void {
    const latencySeconds = this.latency.percentile(0.5);
    const key = `${latencySeconds?.toFixed(1)}:${backlog.behind}:${backlog.lagSeconds.toFixed(1)}`;
    if (key === this.lastCaptionStats) return;
    this.lastCaptionStats = key;
    this.events.onCaptionStats({
      type: 'earshot/caption-stats',
      tabId: this.config.tabId,
      ...(latencySeconds === undefined ? {} : { latencySeconds }),
      behind: backlog.behind,
      lagSeconds: backlog.lagSeconds,
    });
  }

  private configurePlayback(): void {
    const protect = this.filter.enabled && this.filter.audioMode === 'protect';
    this.playback?.configure(
      protect ? this.filter.protectDelaySeconds : 0,
      protect && this.filter.protectSound === 'bleep',
    );
  }

  /** The error is reported once the final chunk is uploaded: the report may close this document. */
  private fail(reason: string): void {
    if (this.stopped) return;
    void this.stop().then(() => this.setState({ status: 'error', reason }));
  }

  private releaseMedia(): void {
    for (const track of this.stream?.getTracks() ?? []) track.stop();
    void this.playback?.close();
    this.stream = undefined;
    this.playback = undefined;
  }

  private setState(patch: Partial<TabCaptureState>): void {
    const next: TabCaptureState = { ...this.state, ...patch };
    if (patch.status && patch.status !== 'backend_offline' && patch.status !== 'error') delete next.reason;
    const changed = JSON.stringify(next) !== JSON.stringify(this.state);
    this.state = next;
    if (changed) this.events.onState(next);
  }
}
