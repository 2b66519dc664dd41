import { type CaptionLanguageChoice, captionLanguagesOn, type OffscreenLanguages } from '@earshot/shared';
import { browser } from '#imports';
import { captionLanguagesItem, capturedPagesItem, getCaptionLanguages } from '../storage-items';
import { activeTabIds } from './capture-states';
import { hostnameOf } from './page-host';

/** The caption languages of a page: its site's own, else the default. */
export async function languagesForPage(url: string | undefined): Promise<CaptionLanguageChoice> {
  return captionLanguagesOn(await getCaptionLanguages(), hostnameOf(url));
}

/**
 * Sends changed caption languages to every running capture, each for its own page; a capture whose
 * languages changed goes on in a new recording (the popup changes them while captions run).
 */
export function followCaptionLanguages(): void {
  captionLanguagesItem.watch(async () => {
    const pages = await capturedPagesItem.getValue();
    for (const tabId of await activeTabIds()) {
      const command: OffscreenLanguages = {
        type: 'earshot/offscreen-languages',
        tabId,
        languages: await languagesForPage(pages[tabId]),
      };
      await browser.runtime.sendMessage(command).catch(() => undefined);
    }
  });
}
