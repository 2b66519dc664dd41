import { CaptionsUpdateSchema } from '@earshot/shared';
import { browser, defineContentScript } from '#imports';
import { CaptionOverlay } from '../lib/captions/caption-overlay';
import { CaptionTimeline } from '../lib/captions/caption-timeline';

export default defineContentScript({
  matches: ['<all_urls>'],
  runAt: 'document_idle',
  main(ctx) {
    const timeline = new CaptionTimeline();
    const overlay = new CaptionOverlay(document, () => timeline.visible(Date.now()));
    ctx.onInvalidated(() => overlay.remove());

    browser.runtime.onMessage.addListener((message: unknown) => {
      const update = CaptionsUpdateSchema.safeParse(message);
      if (!update.success) return false;
      timeline.apply(update.data, Date.now());
      overlay.refresh();
      return false;
    });
    document.addEventListener('fullscreenchange', () => overlay.refresh());
  },
});
