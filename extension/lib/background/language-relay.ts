import { type CaptionLanguageChoice, captionLanguagesOn, type OffscreenLanguages } from '@earshot/shared';
import { hostnameOf } from '../page-host';
import { captionLanguagesItem, getCaptionLanguages } from '../storage-items';
import { sendToEachCapture } from './capture-states';

/** The caption languages of a page: its site's own, else the default. */
export async function languagesForPage(url: string | undefined): Promise<CaptionLanguageChoice> {
  return captionLanguagesOn(await getCaptionLanguages(), hostnameOf(url));
}

/**
 * Sends changed caption languages to every running capture, each for its own page; a capture whose
 * languages changed goes on in a new recording (the popup changes them while captions run).
 */
export function followCaptionLanguages(): void {
  captionLanguagesItem.watch(() =>
    sendToEachCapture(
      async (tabId, page): Promise<OffscreenLanguages> => ({
        type: 'earshot/offscreen-languages',
        tabId,
        languages: await languagesForPage(page),
      }),
    ),
  );
}
