import { audible, mediaElementsIn, playing, visibleArea } from './media-elements';

/** Media events the tracker listens to on each element (they do not leave shadow roots). */
export const MEDIA_EVENTS = [
  'play',
  'playing',
  'pause',
  'ended',
  'waiting',
  'seeking',
  'seeked',
  'ratechange',
  'loadedmetadata',
  'timeupdate',
  'volumechange',
  'emptied',
] as const;
/** Shadow roots do not tell the document about elements added inside them, so they are looked for. */
const SCAN_EVERY_MS = 500;

export interface MediaTrackerEvents {
  /** An event of the captioned media element. */
  onMediaEvent(media: HTMLMediaElement, event: Event): void;
  /** The captioned element started or stopped playing, or another one is captioned now. */
  onChange(playing: boolean, startedAtMs: number): void;
}

/**
 * Which media element of a frame is captioned: of those playing and audible, the one started last
 * (the user started it), the larger on screen when two started together. A paused element stays
 * captioned until another plays; a muted or silent element is never chosen.
 */
export class MediaTracker {
  private readonly known = new Set<HTMLMediaElement>();
  private readonly startedAt = new WeakMap<HTMLMediaElement, number>();
  private chosen: HTMLMediaElement | undefined;
  private reported = '';
  private readonly timer: ReturnType<typeof setInterval>;

  constructor(
    private readonly doc: Document,
    private readonly events: MediaTrackerEvents,
  ) {
    // Light-DOM media are found at once; media in shadow roots at the next scan.
    doc.addEventListener('play', () => this.scan(), { capture: true });
    this.timer = setInterval(() => this.scan(), SCAN_EVERY_MS);
    this.scan();
  }

  current(): HTMLMediaElement | undefined {
    return this.chosen;
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private scan(): void {
    for (const media of mediaElementsIn(this.doc)) {
      if (this.known.has(media)) continue;
      this.known.add(media);
      if (playing(media)) this.startedAt.set(media, Date.now());
      for (const type of MEDIA_EVENTS) media.addEventListener(type, (event) => this.onEvent(media, event));
    }
    for (const media of this.known) if (!media.isConnected) this.known.delete(media);
    this.choose();
  }

  private onEvent(media: HTMLMediaElement, event: Event): void {
    if (event.type === 'play' || event.type === 'playing') {
      if (event.type === 'play' || !this.startedAt.has(media)) this.startedAt.set(media, Date.now());
    }
    this.choose();
    if (media === this.chosen) this.events.onMediaEvent(media, event);
  }

  private choose(): void {
    let best: HTMLMediaElement | undefined;
    for (const media of this.known) {
      if (!media.isConnected || !playing(media) || !audible(media)) continue;
      if (!best || this.startedLater(media, best)) best = media;
    }
    if (!best && this.chosen?.isConnected) best = this.chosen;
    this.chosen = best;
    const isPlaying = !!best && playing(best) && audible(best);
    const startedAtMs = (best && this.startedAt.get(best)) ?? 0;
    const key = `${isPlaying}:${startedAtMs}`;
    if (key === this.reported) return;
    this.reported = key;
    this.events.onChange(isPlaying, startedAtMs);
  }

  private startedLater(a: HTMLMediaElement, b: HTMLMediaElement): boolean {
    const startedA = this.startedAt.get(a) ?? 0;
    const startedB = this.startedAt.get(b) ?? 0;
    if (startedA !== startedB) return startedA > startedB;
    return visibleArea(a) > visibleArea(b);
  }
}
