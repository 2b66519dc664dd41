import { browser } from '#imports';

const OFFSCREEN_PATH = '/offscreen.html';
let creating: Promise<void> | undefined;

export async function offscreenDocumentExists(): Promise<boolean> {
  const contexts = await browser.runtime.getContexts({
    contextTypes: ['OFFSCREEN_DOCUMENT'],
    documentUrls: [browser.runtime.getURL(OFFSCREEN_PATH)],
  });
  return contexts.length > 0;
}

/** The single offscreen document that holds every captured tab's media stream. */
export async function ensureOffscreenDocument(): Promise<void> {
  if (await offscreenDocumentExists()) return;
  creating ??= browser.offscreen
    .createDocument({
      url: OFFSCREEN_PATH,
      reasons: ['USER_MEDIA', 'AUDIO_PLAYBACK'],
      justification: 'Record captured tab audio for captions and keep the tab audible while it is captured.',
    })
    .finally(() => {
      creating = undefined;
    });
  await creating;
}

export async function closeOffscreenDocument(): Promise<void> {
  if (await offscreenDocumentExists()) await browser.offscreen.closeDocument();
}
