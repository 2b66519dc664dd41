import { lastLines } from '../captions/caption-lines';
import { captionLineElements } from '../captions/caption-overlay';
import { type CaptionStyle, captionBoxStyle } from '../captions/caption-style';
import type { CaptionPiece } from '../captions/caption-timeline';
import { placeCaptions } from '../captions/overlay-placement';

const SAMPLE: CaptionPiece[] = [
  { text: 'Captions look like this over a video, with the words already final', final: true },
  { text: 'and the words still being heard', final: false },
];

/** Draws sample captions into `frame` as they would look over a video of its size. */
export function drawCaptionPreview(frame: HTMLElement, style: CaptionStyle): void {
  const { width, height } = frame.getBoundingClientRect();
  const placement = placeCaptions(
    { left: 0, top: 0, width, height },
    { width, height },
    { position: style.position, textScale: style.textScale },
  );
  const box = document.createElement('div');
  box.className = 'preview-captions';
  box.style.cssText = [
    'position: absolute',
    'box-sizing: border-box',
    'padding: 0.2em 0.5em',
    'border-radius: 0.25em',
    'line-height: 1.3',
    'text-align: center',
    'text-shadow: 0 1px 2px #000',
    `left: ${placement.centerX}px`,
    `top: ${placement.y}px`,
    `transform: ${placement.anchor === 'top' ? 'translate(-50%, 0)' : 'translate(-50%, -100%)'}`,
    `max-width: ${placement.maxWidth}px`,
    `font-size: ${placement.fontSizePx}px`,
    captionBoxStyle(style),
  ].join(';');
  box.append(...captionLineElements(document, lastLines(SAMPLE, placement.charsPerLine, style.lines)));
  frame.replaceChildren(box);
}
