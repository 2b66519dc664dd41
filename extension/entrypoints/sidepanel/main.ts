import {
  CaptionsUpdateSchema,
  filterEnabledOn,
  maskSegments,
  segmentsForMode,
  type TranscriptCue,
  type VideoIdentity,
  WordFilter,
} from '@earshot/shared';
import { browser } from '#imports';
import { readCaptionStyle } from '../../lib/captions/caption-style';
import { captionStyleItem, getWordFilterSettings, wordFilterItem } from '../../lib/storage-items';
import { requestedTabId, targetTabId } from '../../lib/target-tab';
import { downloadTranscript, mediaFrameOf, videoIdentityOf } from '../../lib/transcript/tab-transcript';
import { shownCues, type TranscriptFormat } from '../../lib/transcript/transcript-export';
import { joinCues, mediaTimeLabel, searchLines } from '../../lib/transcript/transcript-lines';
import { getTranscript, type VideoTranscript } from '../../lib/transcript/transcript-store';

const lines = document.getElementById('lines') as HTMLOListElement;
const interim = document.getElementById('interim') as HTMLElement;
const search = document.getElementById('search') as HTMLInputElement;
const title = document.getElementById('video-title') as HTMLElement;
const message = document.getElementById('panel-message') as HTMLElement;
/** Video changes within a page are noticed by asking again this often. */
const IDENTITY_EVERY_MS = 1500;

let tabId: number | undefined;
let identity: VideoIdentity | undefined;
let transcript: VideoTranscript | undefined;
let filter: WordFilter | undefined;
let textMode = readCaptionStyle(undefined).textMode;

async function loadRules(): Promise<void> {
  const settings = await getWordFilterSettings();
  const tab = tabId === undefined ? undefined : await browser.tabs.get(tabId).catch(() => undefined);
  const site = tab?.url ? new URL(tab.url).hostname : '';
  filter = filterEnabledOn(settings, site) ? new WordFilter(settings) : undefined;
  textMode = readCaptionStyle(await captionStyleItem.getValue()).textMode;
}

function render(): void {
  title.textContent = identity ? identity.title || identity.videoKey : 'No video playing on this tab.';
  const shown = joinCues(shownCues(transcript?.cues ?? [], filter, textMode));
  const found = searchLines(shown, search.value);
  lines.replaceChildren(...found.map(({ cue, parts }) => lineElement(cue, parts)));
  message.textContent =
    identity && shown.length === 0
      ? 'Nothing heard yet: captions of this video show here as they come.'
      : search.value && found.length === 0
        ? `No line has "${search.value.trim()}".`
        : '';
}

function lineElement(cue: TranscriptCue, parts: { text: string; match: boolean }[]): HTMLLIElement {
  const item = document.createElement('li');
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'line';
  button.dataset.start = String(cue.start_seconds);
  const time = document.createElement('time');
  time.textContent = mediaTimeLabel(cue.start_seconds);
  const text = document.createElement('span');
  for (const part of parts) {
    if (!part.match) text.append(part.text);
    else {
      const mark = document.createElement('mark');
      mark.textContent = part.text;
      text.append(mark);
    }
  }
  button.append(time, text);
  button.addEventListener('click', () => void seek(cue.start_seconds));
  item.append(button);
  return item;
}

async function seek(seconds: number): Promise<void> {
  if (tabId === undefined) return;
  const frameId = await mediaFrameOf(tabId);
  await browser.tabs
    .sendMessage(tabId, { type: 'earshot/seek', seconds }, { frameId })
    .catch(() => undefined);
}

async function refresh(): Promise<void> {
  if (tabId === undefined) return;
  const now = await videoIdentityOf(tabId);
  const changed = now?.videoKey !== identity?.videoKey;
  identity = now;
  if (changed) interim.textContent = '';
  transcript = now ? await getTranscript(now.videoKey) : undefined;
  render();
}

async function follow(next: number | undefined): Promise<void> {
  tabId = next;
  identity = undefined;
  interim.textContent = '';
  await loadRules();
  await refresh();
}

browser.runtime.onMessage.addListener((incoming: { type?: unknown; videoKey?: unknown }) => {
  if (incoming?.type === 'earshot/transcript-changed' && incoming.videoKey === identity?.videoKey)
    void refresh();
  const update = CaptionsUpdateSchema.safeParse(incoming);
  if (update.success && update.data.tabId === tabId) {
    const masked = filter ? maskSegments(filter, update.data.segments) : update.data.segments;
    interim.textContent = segmentsForMode(masked, textMode)
      .filter((s) => !s.final)
      .map((s) => s.text.trim())
      .join(' ');
  }
  return false;
});
search.addEventListener('input', render);
for (const format of ['srt', 'vtt', 'txt'] as const satisfies readonly TranscriptFormat[]) {
  document.getElementById(`export-${format}`)?.addEventListener('click', async () => {
    if (!transcript || transcript.cues.length === 0) {
      message.textContent = 'No transcript of this video yet: caption it first.';
      return;
    }
    message.textContent = `Saved ${await downloadTranscript(transcript, format, filter)}.`;
  });
}
const reloadRules = async () => {
  await loadRules();
  render();
};
wordFilterItem.watch(() => void reloadRules());
captionStyleItem.watch(() => void reloadRules());
// A panel for a requested tab stays with it; else it follows the window's active tab.
if (requestedTabId() === undefined) {
  browser.tabs.onActivated.addListener(({ tabId: activated }) => void follow(activated));
}
setInterval(() => void refresh(), IDENTITY_EVERY_MS);
void targetTabId().then(follow);
