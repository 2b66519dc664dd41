import { z } from 'zod';

export const CAPTION_FONTS = {
  sans: 'system-ui, "Segoe UI", Roboto, Arial, sans-serif',
  serif: 'Georgia, "Times New Roman", serif',
  mono: 'ui-monospace, "DejaVu Sans Mono", Menlo, monospace',
  rounded: '"Comic Sans MS", "Comic Neue", "Chalkboard SE", cursive, sans-serif',
} as const;
export type CaptionFont = keyof typeof CAPTION_FONTS;

const Colour = z.string().regex(/^#[0-9a-f]{6}$/i);

/** How captions look (user setting): defaults that read well over any picture. */
export const CaptionStyleSchema = z.object({
  textScale: z.number().min(0.5).max(2.5).catch(1),
  font: z.enum(['sans', 'serif', 'mono', 'rounded']).catch('sans'),
  textColour: Colour.catch('#ffffff'),
  backgroundColour: Colour.catch('#080808'),
  backgroundOpacity: z.number().min(0).max(1).catch(0.78),
  position: z.enum(['bottom', 'top']).catch('bottom'),
  lines: z.number().int().min(1).max(4).catch(2),
  /** Verbatim shows every word; clean drops fillers and repeated words (captions, side panel, exports). */
  textMode: z.enum(['verbatim', 'clean']).catch('verbatim'),
});
export type CaptionStyle = z.infer<typeof CaptionStyleSchema>;

export const DEFAULT_CAPTION_STYLE: CaptionStyle = CaptionStyleSchema.parse({});

/** Stored settings with any missing or broken field at its default. */
export function readCaptionStyle(stored: unknown): CaptionStyle {
  return CaptionStyleSchema.parse(stored && typeof stored === 'object' ? stored : {});
}

function rgba(hex: string, opacity: number): string {
  const value = Number.parseInt(hex.slice(1), 16);
  return `rgba(${(value >> 16) & 255}, ${(value >> 8) & 255}, ${value & 255}, ${opacity})`;
}

/**
 * The caption box's look as inline CSS declarations; the page, the settings preview and the
 * side panel all draw captions from it.
 */
export function captionBoxStyle(style: CaptionStyle): string {
  return [
    `background: ${rgba(style.backgroundColour, style.backgroundOpacity)}`,
    `color: ${style.textColour}`,
    `font-family: ${CAPTION_FONTS[style.font]}`,
  ].join(';');
}

/** Final words as they are; interim words (still being recognised) lighter and slanted. */
export const INTERIM_TEXT_STYLE = 'font-style: italic; opacity: 0.72';
