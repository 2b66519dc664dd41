import { deepFullscreenElement } from '../media/media-elements';
import { lastLines } from './caption-lines';
import type { CaptionPiece } from './caption-timeline';
import { placeCaptions } from './overlay-placement';

const MAX_LINES = 2;
const TOP_Z_INDEX = '2147483647';

/** Inline styles only (page stylesheets cannot reach them); `all: initial` drops inherited page styles. */
const HOST_STYLE = [
  'all: initial',
  'position: fixed',
  'z-index: 2147483647',
  'transform: translate(-50%, -100%)',
  'box-sizing: border-box',
  'padding: 0.2em 0.5em',
  'border-radius: 0.25em',
  'background: rgba(8, 8, 8, 0.78)',
  'color: #fff',
  'font-family: system-ui, "Segoe UI", Roboto, Arial, sans-serif',
  'line-height: 1.3',
  'text-align: center',
  'white-space: normal',
  'text-shadow: 0 1px 2px #000',
  'margin: 0',
  'border: 0',
  'inset: auto',
].join(';');
const LINE_STYLE = 'all: initial; display: block; font: inherit; color: inherit; text-shadow: inherit';
const FINAL_STYLE = 'all: initial; font: inherit; color: inherit; text-shadow: inherit';
const INTERIM_STYLE = `${FINAL_STYLE}; font-style: italic; opacity: 0.72`;

/**
 * The caption box drawn over the page's playing video (or at the bottom of the viewport). Its
 * textContent is exactly the caption text on screen; screen readers get it as a polite live region.
 */
export class CaptionOverlay {
  private readonly host: HTMLDivElement;
  private frame = 0;
  private shownKey = '';

  constructor(
    private readonly doc: Document,
    /** The media element the captions are for (see MediaTracker). */
    private readonly captionedMedia: () => HTMLMediaElement | undefined,
    private readonly currentPieces: () => CaptionPiece[],
    /** True while captions not shown yet will be (heard later through a playback delay). */
    private readonly waiting: () => boolean = () => false,
  ) {
    this.host = doc.createElement('div');
    this.host.setAttribute('data-earshot-captions', '');
    this.host.setAttribute('aria-live', 'polite');
    this.host.setAttribute('role', 'status');
    this.host.style.cssText = HOST_STYLE;
    this.host.style.display = 'none';
  }

  /** Redraws now and keeps following the video every frame while captions are visible. */
  refresh(): void {
    if (!this.frame) this.frame = requestAnimationFrame(() => this.draw());
  }

  remove(): void {
    cancelAnimationFrame(this.frame);
    this.frame = 0;
    this.host.remove();
  }

  private draw(): void {
    this.frame = 0;
    const pieces = this.currentPieces();
    if (pieces.length === 0) {
      this.host.style.display = 'none';
      this.setLines([]);
      if (this.waiting()) this.frame = requestAnimationFrame(() => this.draw());
      return;
    }
    this.attach();
    const media = this.captionedMedia();
    const video = media instanceof HTMLVideoElement ? media : undefined;
    const placement = placeCaptions(video?.getBoundingClientRect() ?? null, {
      width: this.doc.documentElement.clientWidth || innerWidth,
      height: this.doc.documentElement.clientHeight || innerHeight,
    });
    const style = this.host.style;
    style.left = `${placement.centerX}px`;
    style.top = `${placement.bottom}px`;
    style.maxWidth = `${placement.maxWidth}px`;
    style.fontSize = `${placement.fontSizePx}px`;
    style.zIndex = TOP_Z_INDEX;
    style.display = 'block';
    this.setLines(lastLines(pieces, placement.charsPerLine, MAX_LINES));
    this.frame = requestAnimationFrame(() => this.draw());
  }

  /**
   * Keeps the box where the user looks: inside the fullscreen element (only its subtree is drawn
   * in fullscreen), else on the root. A fullscreen <video> draws no children, so then the box
   * joins the top layer above it as a popover.
   */
  private attach(): void {
    const fullscreen = deepFullscreenElement(this.doc);
    const overBareMedia = fullscreen instanceof HTMLMediaElement;
    const parent = fullscreen && !overBareMedia ? fullscreen : this.doc.documentElement;
    if (this.host.parentElement !== parent) parent.appendChild(this.host);
    const inTopLayer = this.host.matches(':popover-open');
    if (overBareMedia && !inTopLayer) {
      this.host.popover = 'manual';
      this.host.showPopover();
    } else if (!overBareMedia && inTopLayer) {
      this.host.hidePopover();
      this.host.removeAttribute('popover');
    }
  }

  private setLines(lines: CaptionPiece[][]): void {
    const key = JSON.stringify(lines);
    if (key === this.shownKey) return;
    this.shownKey = key;
    const rendered = lines.map((line, index) => {
      const lineElement = this.doc.createElement('span');
      lineElement.style.cssText = LINE_STYLE;
      line.forEach((piece, pieceIndex) => {
        const span = this.doc.createElement('span');
        span.style.cssText = piece.final ? FINAL_STYLE : INTERIM_STYLE;
        span.textContent = piece.text;
        if (pieceIndex > 0) lineElement.append(' ');
        lineElement.append(span);
      });
      // Keeps words of neighbouring lines apart in textContent; collapsed away on screen.
      if (index < lines.length - 1) lineElement.append(' ');
      return lineElement;
    });
    this.host.replaceChildren(...rendered);
  }
}
