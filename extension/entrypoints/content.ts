import {
  type CachedTranscript,
  CaptionsUpdateSchema,
  DEFAULT_WORD_FILTER_SETTINGS,
  filterEnabledOn,
  type MediaState,
  maskSegments,
  SeekSchema,
  type Segment,
  segmentsForMode,
  VideoIdentityRequestSchema,
  WordFilter,
  type WordFilterSettings,
} from '@earshot/shared';
import { browser, defineContentScript } from '#imports';
import { type CaptionLook, CaptionOverlay } from '../lib/captions/caption-overlay';
import { DEFAULT_CAPTION_STYLE, readCaptionStyle } from '../lib/captions/caption-style';
import { CaptionTimeline } from '../lib/captions/caption-timeline';
import { MediaTracker } from '../lib/media/media-tracker';
import {
  captionStyleItem,
  draggedCaptionsItem,
  getWordFilterSettings,
  wordFilterItem,
} from '../lib/storage-items';
import { PageTranscript } from '../lib/transcript/page-transcript';

export default defineContentScript({
  matches: ['<all_urls>'],
  // Embedded players live in frames of their own; each frame captions its own media.
  allFrames: true,
  matchAboutBlank: true,
  runAt: 'document_idle',
  main(ctx) {
    const timeline = new CaptionTimeline();
    // Dual captions: the spoken language's segments, above the translation's.
    const originals = new CaptionTimeline();
    const send = (message: unknown) => browser.runtime.sendMessage(message);
    const reportMedia = (playing: boolean, startedAtMs: number) => {
      const state: MediaState = { type: 'earshot/media-state', playing, startedAtMs };
      void send(state).catch(() => undefined);
    };
    const look: CaptionLook = { style: DEFAULT_CAPTION_STYLE, dragged: undefined };
    // Draws from the next animation frame on, by when `media` below is there.
    const overlay = new CaptionOverlay(
      document,
      () => media.current(),
      () => timeline.visible(Date.now()),
      () => timeline.pending(Date.now()),
      () => look,
      (position) => void rememberDrag(position),
      () => originals.visible(Date.now()),
    );
    const site = location.hostname;
    const rememberDrag = async (position: { x: number; y: number } | undefined) => {
      const { [site]: _previous, ...others } = await draggedCaptionsItem.getValue();
      await draggedCaptionsItem.setValue(position ? { ...others, [site]: position } : others);
    };
    const showDragged = (dragged: Record<string, { x: number; y: number }>) => {
      look.dragged = dragged[site];
      overlay.refresh();
    };
    void draggedCaptionsItem.getValue().then(showDragged);
    draggedCaptionsItem.watch(showDragged);
    const transcript = new PageTranscript(document, {
      load: async (videoKey) =>
        (await send({ type: 'earshot/transcript-get', videoKey })) as CachedTranscript | undefined,
      save: (put) => void send(put).catch(() => undefined),
      silenceAhead: (request) => void send(request).catch(() => undefined),
      // Cues heard from the video before never show over the next one.
      videoChanged: () => {
        timeline.startOver(Date.now());
        originals.startOver(Date.now());
        overlay.refresh();
      },
    });
    const media = new MediaTracker(document, {
      onMediaEvent: (element, event) => transcript.mediaEvent(element, event),
      onChange: reportMedia,
    });
    addEventListener('pagehide', () => reportMedia(false, 0));
    ctx.onInvalidated(() => {
      overlay.remove();
      transcript.stop();
      media.stop();
    });

    let filter: WordFilter | undefined;
    // Captions never show a blocked word: masking happens before any text is drawn, and on the
    // verbatim words, so the clean reading drops fillers from what is already masked.
    const applyTextRules = () => {
      const masked = filter;
      const mask = (segments: Segment[]) =>
        segmentsForMode(masked ? maskSegments(masked, segments) : segments, look.style.textMode);
      timeline.setMask(mask);
      originals.setMask(mask);
      overlay.refresh();
    };
    const applyFilter = (settings: WordFilterSettings) => {
      filter = filterEnabledOn(settings, location.hostname) ? new WordFilter(settings) : undefined;
      transcript.setFilter(filter, settings.audioMode !== 'off');
      applyTextRules();
    };
    const applyStyle = (stored: unknown) => {
      look.style = readCaptionStyle(stored);
      applyTextRules();
    };
    void captionStyleItem.getValue().then(applyStyle);
    captionStyleItem.watch(applyStyle);
    // Until the user's settings are read, the default list masks: never a moment unfiltered.
    applyFilter(DEFAULT_WORD_FILTER_SETTINGS);
    void getWordFilterSettings().then(applyFilter);
    wordFilterItem.watch(() => void getWordFilterSettings().then(applyFilter));

    browser.runtime.onMessage.addListener((message: unknown, _sender, sendResponse) => {
      if (VideoIdentityRequestSchema.safeParse(message).success) {
        // Frames without a video stay silent, so the frame that has one answers.
        const identity = transcript.identity();
        if (identity) sendResponse(identity);
        return false;
      }
      const seek = SeekSchema.safeParse(message);
      if (seek.success) {
        const playing = media.current();
        if (playing) playing.currentTime = seek.data.seconds;
        return false;
      }
      const update = CaptionsUpdateSchema.safeParse(message);
      if (!update.success) return false;
      timeline.apply(update.data, Date.now());
      const { originalSegments } = update.data;
      if (originalSegments) originals.apply({ ...update.data, segments: originalSegments }, Date.now());
      transcript.addCaptions(update.data);
      overlay.refresh();
      return false;
    });
    document.addEventListener('fullscreenchange', () => overlay.refresh());
  },
});
