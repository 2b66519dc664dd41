import type { CaptionsUpdate, OffscreenStart, Segment, TabCaptureState } from '@earshot/shared';
import { ChunkUploader } from './chunk-uploader';

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
}

interface Recording {
  id: string;
  recorder: MediaRecorder;
  startedAtMs: number;
  nextSeq: number;
  chunkStartedAtMs: number;
  /** Replaced by a new recording: its remaining chunks must not be uploaded. */
  abandoned: boolean;
}

/** Recordings whose late segments can still be placed in time (a stopped one's final reply). */
const REMEMBERED_RECORDINGS = 4;

/**
 * Captures one tab's audio: keeps it audible through Web Audio (tab capture mutes the tab),
 * records it as WebM/Opus chunks and uploads them; the backend's segments come back as captions.
 */
export class TabCapture {
  private stream: MediaStream | undefined;
  private audioContext: AudioContext | undefined;
  private recording: Recording | undefined;
  private uploader: ChunkUploader | undefined;
  private restarts: number[] = [];
  private readonly recordingStarts = new Map<string, number>();
  private stopped = false;
  private state: TabCaptureState;

  constructor(
    private readonly config: OffscreenStart,
    private readonly events: TabCaptureEvents,
  ) {
    this.state = { tabId: config.tabId, status: 'starting' };
  }

  async start(): Promise<void> {
    this.stream = await navigator.mediaDevices.getUserMedia({
      audio: { mandatory: { chromeMediaSource: 'tab', chromeMediaSourceId: this.config.streamId } },
    } as unknown as MediaStreamConstraints);
    this.audioContext = new AudioContext();
    this.audioContext.createMediaStreamSource(this.stream).connect(this.audioContext.destination);
    for (const track of this.stream.getAudioTracks()) {
      track.addEventListener('ended', () => this.fail('The tab stopped sharing its audio.'));
    }
    this.uploader = new ChunkUploader({
      backendUrl: this.config.backendUrl,
      userId: this.config.userId,
      tabId: this.config.tabId,
      maxQueuedChunks: MAX_QUEUED_CHUNKS,
      requestTimeoutMs: 20_000,
      retryDelaysMs: [250, 500, 1000, 2000, 3000],
      onSegments: (recordingId, segments) => this.deliver(recordingId, segments),
      onBackendReachable: () => this.setState({ status: 'live' }),
      onBackendUnavailable: (reason) => this.setState({ status: 'backend_offline', reason }),
      onRestartRequired: (recordingId, reason) => this.restartRecording(recordingId, reason),
      onRefused: (reason) => this.fail(`The backend refused the audio: ${reason}`),
    });
    this.startRecording();
  }

  /** Ends the capture: the final chunk is flushed to the backend, the tab plays normally again. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    const recording = this.recording;
    this.recording = undefined;
    if (recording && recording.recorder.state !== 'inactive') {
      const flushed = new Promise((resolve) =>
        recording.recorder.addEventListener('stop', resolve, { once: true }),
      );
      recording.recorder.stop();
      await flushed;
    }
    this.releaseMedia();
    await this.uploader?.drainAndClose(3000);
  }

  private startRecording(): void {
    if (!this.stream || this.stopped) return;
    const recorder = new MediaRecorder(this.stream, {
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
    };
    this.recordingStarts.set(recording.id, now);
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
    this.recording = undefined;
    current.abandoned = true;
    this.uploader?.dropRecording(current.id);
    if (current.recorder.state !== 'inactive') current.recorder.stop();
    this.startRecording();
  }

  private deliver(recordingId: string, segments: Segment[]): void {
    if (this.stopped) return;
    const startedAtMs = this.recordingStarts.get(recordingId);
    if (startedAtMs === undefined) return;
    this.events.onCaptions({
      type: 'earshot/captions',
      tabId: this.config.tabId,
      recordingId,
      recordingStartedAtMs: startedAtMs,
      segments,
    });
  }

  private fail(reason: string): void {
    if (this.stopped) return;
    this.setState({ status: 'error', reason });
    void this.stop();
  }

  private releaseMedia(): void {
    for (const track of this.stream?.getTracks() ?? []) track.stop();
    void this.audioContext?.close();
    this.stream = undefined;
    this.audioContext = undefined;
  }

  private setState(patch: Partial<TabCaptureState>): void {
    const next: TabCaptureState = { ...this.state, ...patch };
    if (patch.status && patch.status !== 'backend_offline' && patch.status !== 'error') delete next.reason;
    const changed = JSON.stringify(next) !== JSON.stringify(this.state);
    this.state = next;
    if (changed) this.events.onState(next);
  }
}
