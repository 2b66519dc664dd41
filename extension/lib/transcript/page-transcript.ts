import {
  blockedSpan,
  type CachedTranscript,
  type CaptionsUpdate,
  type MuteAhead,
  spokenSegmentsOf,
  type TranscriptCue,
  type TranscriptPut,
  type Word,
  type WordFilter,
} from '@earshot/shared';
import { heardBlockedSpans, heardBlockedWords, mergeHeardBlockedWords } from './heard-blocked-words';
import { MediaClock } from './media-clock';
import { type MediaSpan, silencesDue } from './replay-silences';
import { cuesInMediaTime, mergeCues } from './transcript-cues';
import { videoKey } from './video-identity';

/**
 * Events after which the announced silences come at the wrong wall-clock time: the media stopped,
 * stalled, jumped or changed speed before the words played.
 */
const RESCHEDULING_EVENTS = new Set([
  'pause',
  'waiting',
  'seeking',
  'seeked',
  'ratechange',
  'loadedmetadata',
]);
/** Events that start the media clock again. */
const STARTING_EVENTS = new Set(['play', 'playing']);
const CLOCK_EVENTS = new Set([...RESCHEDULING_EVENTS, ...STARTING_EVENTS, 'timeupdate']);
const CHECK_EVERY_MS = 100;
/**
 * Media seconds played after a start or seek before cached silences are timed from the clock: timed
 * from the first positions after a resume they came about 0.1 s early and let the tail of a blocked
 * word through.
 */
const SETTLE_SECONDS = 0.15;

export interface PageTranscriptPort {
  /** Fetches the cached transcript of a video (undefined when there is none). */
  load(videoKey: string): Promise<CachedTranscript | undefined>;
  save(put: TranscriptPut): void;
  silenceAhead(request: MuteAhead): void;
  /** The page plays another video now (what was heard before belongs to the previous one). */
  videoChanged(): void;
}

/**
 * The transcript of the media the page plays, in media time: final captions are placed on the
 * media's timeline and cached per video, with the blocked words heard live as first read, and when
 * a cached blocked word is about to play again the playback path is asked to silence it ahead of
 * time.
 */
export class PageTranscript {
  private media: HTMLMediaElement | undefined;
  private key: string | undefined;
  private cues: TranscriptCue[] = [];
  private heardBlocked: Word[] = [];
  private blocked: MediaSpan[] = [];
  private readonly clock = new MediaClock();
  private readonly announced = new Set<string>();
  private filter: WordFilter | undefined;
  private silencing = false;
  /** Stalled for data ('waiting'): the position does not advance until 'playing'. */
  private stalled = false;
  /** The next announcement replaces the earlier ones (see RESCHEDULING_EVENTS). */
  private reschedule = false;
  /**
   * Where the media stood when it last stopped, jumped or started: announcing waits until its
   * position moves on from there, because a resumed element reports its position for a while
   * before its sound comes out, and wall-clock times taken from it then come early.
   */
  private restartedAt: number | undefined;
  private readonly timer: ReturnType<typeof setInterval>;

  constructor(
    private readonly doc: Document,
    private readonly port: PageTranscriptPort,
  ) {
    this.timer = setInterval(() => this.announceDueSilences(), CHECK_EVERY_MS);
  }

  /** The filter that decides which cached words to silence; undefined leaves the sound alone. */
  setFilter(filter: WordFilter | undefined, silencing: boolean): void {
    this.filter = filter;
    this.silencing = silencing;
    this.findBlocked();
  }

  identity(): { videoKey: string; title: string } | undefined {
    return this.key ? { videoKey: this.key, title: this.doc.title } : undefined;
  }

  /**
   * Places a reply's final segments, and the blocked words of all its segments in the spoken
   * language (dual captions' originals, for a translation), on the media timeline and caches them.
   */
  addCaptions(update: CaptionsUpdate): void {
    if (!this.key) return;
    const wallMsAt = (seconds: number) => update.recordingStartedAtMs + seconds * 1000;
    const cues = cuesInMediaTime(update.segments, wallMsAt, this.clock, update.translated === true);
    const spoken = spokenSegmentsOf(update);
    const heard = this.filter ? heardBlockedWords(spoken, this.filter, wallMsAt, this.clock) : [];
    if (cues.length === 0 && heard.length === 0) return;
    this.cues = mergeCues(this.cues, cues);
    this.heardBlocked = mergeHeardBlockedWords(this.heardBlocked, heard);
    this.findBlocked();
    this.port.save({
      type: 'earshot/transcript-put',
      videoKey: this.key,
      title: this.doc.title,
      cues,
      ...(heard.length > 0 ? { heardBlockedWords: heard } : {}),
    });
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** An event of the media element the page's captions are for (see MediaTracker). */
  mediaEvent(media: HTMLMediaElement, event: Event): void {
    if (!CLOCK_EVENTS.has(event.type)) return;
    if (media !== this.media && media.paused) return;
    if (event.type === 'waiting') this.stalled = true;
    else if (event.type === 'playing') this.stalled = false;
    const rescheduling = RESCHEDULING_EVENTS.has(event.type);
    if (rescheduling) {
      this.announced.clear();
      this.reschedule = true;
    }
    if (rescheduling || STARTING_EVENTS.has(event.type)) this.restartedAt = media.currentTime;
    this.media = media;
    this.clock.note(Date.now(), media.currentTime, media.playbackRate, !media.paused);
    const key = videoKey(this.doc.location.href, media.currentSrc);
    if (key !== this.key) void this.switchVideo(key);
    if (this.reschedule) this.announceDueSilences();
  }

  private async switchVideo(key: string): Promise<void> {
    if (this.key !== undefined) this.port.videoChanged();
    this.key = key;
    this.cues = [];
    this.heardBlocked = [];
    this.announced.clear();
    this.clock.clear();
    this.findBlocked();
    const cached = await this.port.load(key).catch(() => undefined);
    if (this.key !== key || !cached) return;
    this.cues = mergeCues(cached.cues, this.cues);
    this.heardBlocked = mergeHeardBlockedWords(cached.heardBlockedWords, this.heardBlocked);
    this.findBlocked();
  }

  private findBlocked(): void {
    const filter = this.filter;
    if (!filter) {
      this.blocked = [];
      return;
    }
    // A translation's words are not what the audio says: only the spoken language's are silenced.
    const words = this.cues.filter((c) => !c.translated).flatMap((c) => c.words);
    this.blocked = [
      ...filter
        .hits(words)
        .filter((hit) => hit.mute)
        .map(blockedSpan),
      ...heardBlockedSpans(this.heardBlocked, filter, words),
    ];
  }

  private announceDueSilences(): void {
    const media = this.media;
    if (!media || !this.silencing || this.blocked.length === 0) return;
    const settled = this.restartedAt === undefined || media.currentTime >= this.restartedAt + SETTLE_SECONDS;
    const running = !media.paused && !this.stalled && settled;
    if (running) this.restartedAt = undefined;
    const spans = running
      ? silencesDue(
          this.blocked,
          { mediaTime: media.currentTime, rate: media.playbackRate, nowMs: Date.now() },
          this.announced,
        )
      : [];
    if (this.reschedule) {
      this.port.silenceAhead({ type: 'earshot/mute-ahead', spans, replace: true });
      this.reschedule = false;
    } else if (spans.length > 0) {
      this.port.silenceAhead({ type: 'earshot/mute-ahead', spans });
    }
  }
}
