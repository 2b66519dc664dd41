import type { Page } from '@playwright/test';

/** A rule of the page layout that does not hold, said as the element and what is wrong. */
export type LayoutBreak = string;

/**
 * Checks an extension page's layout from its element boxes: each checkbox and radio button has
 * its label's text beside it (starting within 12 px, on the same line), each labelled field sits
 * beside or right under its label, and nothing sticks out of the page sideways.
 */
export async function layoutBreaks(page: Page): Promise<LayoutBreak[]> {
  return page.evaluate(() => {
    const breaks: string[] = [];
    const name = (e: Element) => `${e.tagName.toLowerCase()}${e.id ? `#${e.id}` : ''}`;
    for (const box of Array.from(
      document.querySelectorAll<HTMLInputElement>('input[type=checkbox], input[type=radio]'),
    )) {
      const label = box.closest('label');
      if (!label) {
        breaks.push(`${name(box)} has no label around it`);
        continue;
      }
      const walker = document.createTreeWalker(label, NodeFilter.SHOW_TEXT);
      let text: Node | null = walker.nextNode();
      while (text && !text.textContent?.trim()) text = walker.nextNode();
      if (!text) {
        breaks.push(`${name(box)}'s label has no text`);
        continue;
      }
      const range = document.createRange();
      range.selectNodeContents(text);
      const first = range.getClientRects()[0];
      const boxRect = box.getBoundingClientRect();
      if (!first) continue;
      const gap = first.left - boxRect.right;
      if (gap < 0 || gap > 12)
        breaks.push(`${name(box)}: label text starts ${gap.toFixed(0)} px from its box`);
      if (first.bottom < boxRect.top || first.top > boxRect.bottom)
        breaks.push(`${name(box)}: label text is not on the box's line`);
    }
    for (const label of Array.from(document.querySelectorAll<HTMLLabelElement>('label[for]'))) {
      const control = document.getElementById(label.htmlFor);
      if (!control) {
        breaks.push(`label for #${label.htmlFor} has no control`);
        continue;
      }
      const l = label.getBoundingClientRect();
      const c = control.getBoundingClientRect();
      const beside = c.left >= l.right - 1 && c.left - l.right <= 24 && Math.abs(c.top - l.top) <= 10;
      const under = c.top >= l.bottom - 1 && c.top - l.bottom <= 12 && Math.abs(c.left - l.left) <= 4;
      if (!beside && !under) breaks.push(`#${label.htmlFor} is neither beside nor right under its label`);
    }
    const root = document.documentElement;
    if (root.scrollWidth > root.clientWidth + 1)
      breaks.push(`the page is ${root.scrollWidth - root.clientWidth} px too wide`);
    return breaks;
  });
}

/** Relative luminance (0 black … 1 white) of the page background. */
export async function backgroundLuminance(page: Page): Promise<number> {
  return page.evaluate(() => {
    const colour = getComputedStyle(document.body).backgroundColor;
    const [r = 0, g = 0, b = 0] = (colour.match(/[\d.]+/g) ?? []).map(Number);
    const linear = (v: number) => {
      const s = v / 255;
      return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    };
    return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b);
  });
}
