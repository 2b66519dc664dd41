import { deepFullscreenElement } from '../media/media-elements';
import { lastLines } from './caption-lines';
import { type CaptionStyle, captionBoxStyle, INTERIM_TEXT_STYLE } from './caption-style';
import type { CaptionPiece } from './caption-timeline';
import { type CaptionPlacement, placeCaptions } from './overlay-placement';

const TOP_Z_INDEX = '2147483647';

/**
 * Inline styles only (page stylesheets cannot reach them); `all: initial` drops inherited page
 * styles. Colours and font come from the user's caption style.
 */
const HOST_STYLE = [
  'all: initial',
  'position: fixed',
  'z-index: 2147483647',
  'box-sizing: border-box',
  'padding: 0.2em 0.5em',
  'border-radius: 0.25em',
  'line-height: 1.3',
  'text-align: center',
  'white-space: normal',
  'text-shadow: 0 1px 2px #000',
  'margin: 0',
  'border: 0',
  'inset: auto',
  'cursor: move',
  'touch-action: none',
  'user-select: none',
].join(';');
const LINE_STYLE = 'all: initial; display: block; font: inherit; color: inherit; text-shadow: inherit';
const FINAL_STYLE = 'all: initial; font: inherit; color: inherit; text-shadow: inherit';
const INTERIM_STYLE = `${FINAL_STYLE}; ${INTERIM_TEXT_STYLE}`;
/** Dual captions: the spoken language's lines, smaller and dimmer above the translation. */
const ORIGINAL_LINE_STYLE = `${LINE_STYLE}; font-size: 0.8em; opacity: 0.85`;

export interface CaptionLook {
  style: CaptionStyle;
  /** Where the user dragged the box on this site, if they did. */
  dragged: { x: number; y: number } | undefined;
}

/**
 * The caption box drawn over the page's playing video (or at the bottom of the viewport). Its
 * textContent is exactly the caption text on screen; screen readers get it as a polite live region.
 * The user can drag it elsewhere (a double click puts it back).
 */
export class CaptionOverlay {
  private readonly host: HTMLDivElement;
  private frame = 0;
  private shownKey = '';
  private styleKey = '';
  private placement: CaptionPlacement | undefined;
  private drag: { dx: number; dy: number } | undefined;

  constructor(
    private readonly doc: Document,
    /** The media element the captions are for (see MediaTracker). */
    private readonly captionedMedia: () => HTMLMediaElement | undefined,
    private readonly currentPieces: () => CaptionPiece[],
    /** True while captions not shown yet will be (heard later through a playback delay). */
    private readonly waiting: () => boolean,
    private readonly look: () => CaptionLook,
    /** The user dragged the box to a place (fractions of its area), or put it back (undefined). */
    private readonly onDragged: (position: { x: number; y: number } | undefined) => void,
    /** Dual captions: the spoken language's pieces, shown above the translation's. */
    private readonly currentOriginal: () => CaptionPiece[],
  ) {
    this.host = doc.createElement('div');
    this.host.setAttribute('data-earshot-captions', '');
    this.host.setAttribute('aria-live', 'polite');
    this.host.setAttribute('role', 'status');
    this.host.style.cssText = HOST_STYLE;
    this.host.style.display = 'none';
    this.listenForDrags();
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
    const original = this.currentOriginal();
    if (pieces.length === 0 && original.length === 0) {
      this.host.style.display = 'none';
      this.setLines([]);
      if (this.waiting()) this.frame = requestAnimationFrame(() => this.draw());
      return;
    }
    this.attach();
    const { style: captionStyle, dragged } = this.look();
    this.applyStyle(captionStyle);
    const media = this.captionedMedia();
    const video = media instanceof HTMLVideoElement ? media : undefined;
    const placement = placeCaptions(
      video?.getBoundingClientRect() ?? null,
      {
        width: this.doc.documentElement.clientWidth || innerWidth,
        height: this.doc.documentElement.clientHeight || innerHeight,
      },
      { position: captionStyle.position, dragged, textScale: captionStyle.textScale },
    );
    this.placement = placement;
    const style = this.host.style;
    if (!this.drag) {
      style.left = `${placement.centerX}px`;
      style.top = `${placement.y}px`;
      style.transform = placement.anchor === 'top' ? 'translate(-50%, 0)' : 'translate(-50%, -100%)';
    }
    style.maxWidth = `${placement.maxWidth}px`;
    style.fontSize = `${placement.fontSizePx}px`;
    style.zIndex = TOP_Z_INDEX;
    style.display = 'block';
    const above = lastLines(original, placement.charsPerLine, captionStyle.lines).map((line) =>
      line.map((piece) => ({ ...piece, original: true })),
    );
    this.setLines([...above, ...lastLines(pieces, placement.charsPerLine, captionStyle.lines)]);
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

  private applyStyle(captionStyle: CaptionStyle): void {
    const look = captionBoxStyle(captionStyle);
    if (look === this.styleKey) return;
    this.styleKey = look;
    for (const declaration of look.split(';')) {
      const [property = '', ...value] = declaration.split(':');
      this.host.style.setProperty(property.trim(), value.join(':').trim());
    }
  }

  /** The box follows the pointer; where it is let go is kept as fractions of the area it sits in. */
  private listenForDrags(): void {
    const host = this.host;
    host.addEventListener('pointerdown', (event) => {
      const rect = host.getBoundingClientRect();
      // The box's bottom centre is its anchor while dragged.
      this.drag = { dx: event.clientX - (rect.left + rect.width / 2), dy: event.clientY - rect.bottom };
      host.setPointerCapture(event.pointerId);
      host.style.transform = 'translate(-50%, -100%)';
      event.preventDefault();
      event.stopPropagation();
    });
    host.addEventListener('pointermove', (event) => {
      if (!this.drag) return;
      host.style.left = `${event.clientX - this.drag.dx}px`;
      host.style.top = `${event.clientY - this.drag.dy}px`;
    });
    const drop = (event: PointerEvent) => {
      const drag = this.drag;
      const area = this.placement?.area;
      this.drag = undefined;
      if (!drag || !area) return;
      this.onDragged({
        x: (event.clientX - drag.dx - area.left) / area.width,
        y: (event.clientY - drag.dy - area.top) / area.height,
      });
      this.refresh();
    };
    host.addEventListener('pointerup', drop);
    host.addEventListener('pointercancel', drop);
    host.addEventListener('dblclick', (event) => {
      event.stopPropagation();
      this.onDragged(undefined);
      this.refresh();
    });
    // Clicks on the box are the user's to the box, not to the player beneath.
    host.addEventListener('click', (event) => event.stopPropagation());
  }

  private setLines(lines: CaptionPiece[][]): void {
    const key = JSON.stringify(lines);
    if (key === this.shownKey) return;
    this.shownKey = key;
    this.host.replaceChildren(...captionLineElements(this.doc, lines));
  }
}

/**
 * Caption lines as elements: one block per line, interim words set apart from final ones. Inline
 * styles only, so a page's stylesheets cannot change them.
 */
export function captionLineElements(doc: Document, lines: CaptionPiece[][]): HTMLElement[] {
  return lines.map((line, index) => {
    const lineElement = doc.createElement('span');
    const original = line.some((piece) => piece.original);
    lineElement.style.cssText = original ? ORIGINAL_LINE_STYLE : LINE_STYLE;
    if (original) lineElement.setAttribute('data-earshot-original', '');
    line.forEach((piece, pieceIndex) => {
      const span = doc.createElement('span');
      span.style.cssText = piece.final ? FINAL_STYLE : INTERIM_STYLE;
      span.textContent = piece.text;
      if (pieceIndex > 0) lineElement.append(' ');
      lineElement.append(span);
    });
    // Keeps words of neighbouring lines apart in textContent; collapsed away on screen.
    if (index < lines.length - 1) lineElement.append(' ');
    return lineElement;
  });
}
