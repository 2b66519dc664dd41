import {
  type BackpressureLevel,
  type CaptionLanguageChoice,
  type CaptureCommand,
  CaptureCommandReplySchema,
  type CaptureStatus,
  captionLanguagesOn,
  filterEnabledOn,
  isTranslation,
  languageSiteOf,
  type TabCaptureState,
  WordFilter,
} from '@earshot/shared';
import { browser } from '#imports';
import { backendLoad, describeBackend } from '../../lib/backend-health';
import { hostnameOf } from '../../lib/page-host';
import { BACKPRESSURE_WORDS, summariseCaptions } from '../../lib/popup/caption-summary';
import { describeFilterMode, describeLatencyFit } from '../../lib/popup/filter-summary';
import {
  describeChoice,
  fitChoice,
  type ModelLanguages,
  modelLanguages,
  type Option,
  spokenOptions,
  targetOptions,
  withChoice,
} from '../../lib/popup/language-choices';
import {
  apiKeyItem,
  backendUrlItem,
  captionLanguagesItem,
  captionStatsItem,
  captureStatesItem,
  filterStatsItem,
  getCaptionLanguages,
  getWordFilterSettings,
  type TabCaptionStats,
  type TabFilterStats,
  wordFilterItem,
} from '../../lib/storage-items';
import { targetTabId } from '../../lib/target-tab';
import { downloadTranscript, videoIdentityOf } from '../../lib/transcript/tab-transcript';
import type { TranscriptFormat } from '../../lib/transcript/transcript-export';
import { getTranscript } from '../../lib/transcript/transcript-store';

const LOAD_EVERY_MS = 2000;

const STATUS_LABELS: Record<CaptureStatus, string> = {
  off: 'off',
  starting: 'starting…',
  live: 'live',
  backend_offline: 'backend offline',
  error: 'error',
};

const statusText = document.getElementById('capture-status') as HTMLElement;
const reasonText = document.getElementById('capture-reason') as HTMLElement;
const toggle = document.getElementById('capture-toggle') as HTMLButtonElement;
const backendText = document.getElementById('backend-status') as HTMLElement;
const backendFacts = document.getElementById('backend-facts') as HTMLElement;
const captionSummary = document.getElementById('caption-summary') as HTMLElement;
const captionAdvice = document.getElementById('caption-advice') as HTMLElement;
const filteredCount = document.getElementById('filtered-count') as HTMLElement;
const filterMode = document.getElementById('filter-mode') as HTMLElement;
const latencyFit = document.getElementById('latency-fit') as HTMLElement;
const exportBox = document.getElementById('export') as HTMLFieldSetElement;
const exportMasked = document.getElementById('export-masked') as HTMLInputElement;
const exportMessage = document.getElementById('export-message') as HTMLElement;

let backendReachable: boolean | undefined;
let backpressure: BackpressureLevel = 'normal';
let shownState: TabCaptureState | undefined;
let shownStats: TabCaptionStats | undefined;

function render(state: TabCaptureState | undefined): void {
  shownState = state;
  const status = state?.status ?? 'off';
  statusText.textContent = STATUS_LABELS[status];
  reasonText.hidden = !state?.reason;
  reasonText.textContent = state?.reason ?? '';
  const capturing = status === 'starting' || status === 'live' || status === 'backend_offline';
  toggle.textContent = capturing ? 'Stop captions' : 'Start captions';
  toggle.dataset.action = capturing ? 'stop' : 'start';
  renderSummary();
}

function renderSummary(): void {
  const summary = summariseCaptions(shownState, shownStats, backendReachable, backpressure);
  // The failure's own line already says what happened; the summary then only says what to do.
  captionSummary.hidden = !!shownState?.reason && summary.tone === 'error';
  captionSummary.textContent = summary.text;
  captionSummary.dataset.tone = summary.tone;
  captionAdvice.hidden = !summary.advice;
  captionAdvice.textContent = summary.advice ?? '';
}

async function showBackendHealth(): Promise<void> {
  const url = await backendUrlItem.getValue();
  const apiKey = await apiKeyItem.getValue();
  const backend = await describeBackend(url, apiKey);
  backendText.textContent = backend.text;
  backendReachable = backend.reachable;
  backendFacts.hidden = !backend.reachable;
  if (backend.reachable) {
    (document.getElementById('backend-model') as HTMLElement).textContent = backend.health.model;
    (document.getElementById('backend-device') as HTMLElement).textContent =
      `${backend.health.device} (${backend.health.providers.join(', ')})`;
    await showBackendLoad(url, apiKey);
  }
  renderSummary();
}

/** The backend's load from GET /status, followed while the popup is open. */
async function showBackendLoad(url: string, apiKey: string): Promise<void> {
  const loadText = document.getElementById('backend-load') as HTMLElement;
  const load = await backendLoad(url, apiKey);
  backpressure = load?.backpressure ?? 'normal';
  const speed =
    load?.realTimeFactor == null
      ? ''
      : `, ${(1 / Math.max(load.realTimeFactor, 1e-3)).toFixed(0)}× real time`;
  loadText.textContent = load
    ? `${BACKPRESSURE_WORDS[load.backpressure]}${speed}`
    : 'not reported by this backend';
  renderSummary();
  setTimeout(() => void showBackendLoad(url, apiKey), LOAD_EVERY_MS);
}

async function showFilter(tabId: number, stats: TabFilterStats | undefined): Promise<void> {
  const settings = await getWordFilterSettings();
  const tab = await browser.tabs.get(tabId).catch(() => undefined);
  const enabledHere = filterEnabledOn(settings, hostnameOf(tab?.url));
  filteredCount.textContent = String(stats?.filteredWords ?? 0);
  filterMode.textContent = describeFilterMode(settings, enabledHere);
  latencyFit.hidden = !(enabledHere && settings.audioMode === 'protect');
  latencyFit.textContent = describeLatencyFit(settings, stats?.latencySeconds);
}

const languageBox = document.getElementById('languages') as HTMLFieldSetElement;
const spokenSelect = document.getElementById('caption-language') as HTMLSelectElement;
const targetSelect = document.getElementById('translate-to') as HTMLSelectElement;
const dualBox = document.getElementById('dual-captions') as HTMLInputElement;
const siteBox = document.getElementById('language-site') as HTMLInputElement;
const languageNote = document.getElementById('language-note') as HTMLElement;

function fillSelect(select: HTMLSelectElement, options: Option[], value: string): void {
  select.replaceChildren(
    ...options.map((o) => {
      const option = document.createElement('option');
      option.value = o.value;
      option.textContent = o.label;
      return option;
    }),
  );
  select.value = value;
}

/**
 * The caption languages of this tab's site, as the backend's model offers them: changes are stored
 * at once (for the site, or as the default) and a running capture goes on in them.
 */
async function showLanguages(hostname: string): Promise<void> {
  const url = await backendUrlItem.getValue();
  const offered: ModelLanguages | undefined = await modelLanguages(url, await apiKeyItem.getValue());
  (document.getElementById('language-site-name') as HTMLElement).textContent = hostname || 'this site';
  if (!offered?.languages) {
    languageNote.textContent = offered
      ? `${offered.model} hears one language and cannot translate; serve a Canary or Whisper model to choose.`
      : 'The backend does not say which languages its model knows.';
    return;
  }
  const languages = offered.languages;
  const render = async () => {
    const settings = await getCaptionLanguages();
    const choice = fitChoice(languages, captionLanguagesOn(settings, hostname));
    fillSelect(spokenSelect, spokenOptions(languages), choice.language);
    fillSelect(targetSelect, targetOptions(languages, choice.language), choice.translateTo);
    dualBox.checked = choice.dual;
    dualBox.disabled = !isTranslation(choice);
    siteBox.checked = languageSiteOf(settings, hostname) !== undefined;
    languageNote.textContent = describeChoice(choice, offered.model);
  };
  const store = async () => {
    const picked: CaptionLanguageChoice = {
      language: spokenSelect.value,
      translateTo: targetSelect.value,
      dual: dualBox.checked,
    };
    const settings = await getCaptionLanguages();
    await captionLanguagesItem.setValue(
      withChoice(settings, hostname, siteBox.checked, fitChoice(languages, picked)),
    );
  };
  await render();
  for (const control of [spokenSelect, targetSelect, dualBox, siteBox]) {
    control.addEventListener('change', () => void store());
  }
  captionLanguagesItem.watch(() => void render());
  languageBox.disabled = false;
}

async function exportVideoTranscript(tabId: number, format: TranscriptFormat): Promise<void> {
  const identity = await videoIdentityOf(tabId);
  const transcript = identity ? await getTranscript(identity.videoKey) : undefined;
  if (!transcript || transcript.cues.length === 0) {
    exportMessage.textContent = 'No transcript of this video yet: caption it first.';
    return;
  }
  const filter = exportMasked.checked ? new WordFilter(await getWordFilterSettings()) : undefined;
  const file = await downloadTranscript(transcript, format, filter);
  exportMessage.textContent = `Saved ${file} (${transcript.cues.length} captions).`;
}

async function main(): Promise<void> {
  void showBackendHealth();
  const tabId = await targetTabId();
  if (tabId === undefined || tabId < 0) {
    statusText.textContent = 'not available on this page';
    return;
  }
  shownStats = (await captionStatsItem.getValue())[tabId];
  render((await captureStatesItem.getValue())[tabId]);
  captureStatesItem.watch((states) => render(states[tabId]));
  captionStatsItem.watch((stats) => {
    shownStats = stats[tabId];
    renderSummary();
  });
  const tab = await browser.tabs.get(tabId).catch(() => undefined);
  void showLanguages(hostnameOf(tab?.url));
  const refreshFilter = async () => showFilter(tabId, (await filterStatsItem.getValue())[tabId]);
  void refreshFilter();
  filterStatsItem.watch(() => void refreshFilter());
  wordFilterItem.watch(() => void refreshFilter());
  exportBox.disabled = false;
  for (const format of ['srt', 'vtt', 'txt'] as const) {
    document.getElementById(`export-${format}`)?.addEventListener('click', () => {
      exportMessage.textContent = '';
      void exportVideoTranscript(tabId, format);
    });
  }
  document.getElementById('open-transcript')?.addEventListener('click', async () => {
    await browser.sidePanel.open({ tabId });
    close();
  });
  toggle.disabled = false;
  toggle.addEventListener('click', async () => {
    toggle.disabled = true;
    const command: CaptureCommand = {
      type: 'earshot/capture',
      action: toggle.dataset.action === 'stop' ? 'stop' : 'start',
      tabId,
    };
    const reply = CaptureCommandReplySchema.safeParse(await browser.runtime.sendMessage(command));
    if (reply.success && !reply.data.ok) render({ tabId, status: 'error', reason: reply.data.error });
    toggle.disabled = false;
  });
}

void main();
