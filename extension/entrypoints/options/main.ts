import { DEFAULT_BLOCKED_WORDS } from '@earshot/shared';
import { describeBackend } from '../../lib/backend-health';
import { parseBackendUrl } from '../../lib/backend-url';
import { type CaptionStyle, readCaptionStyle } from '../../lib/captions/caption-style';
import { drawCaptionPreview } from '../../lib/options/caption-preview';
import { type FilterFormFields, filterFormFields, readFilterForm } from '../../lib/options/filter-form';
import {
  apiKeyItem,
  backendUrlItem,
  captionStyleItem,
  draggedCaptionsItem,
  getWordFilterSettings,
  wordFilterItem,
} from '../../lib/storage-items';

const form = document.getElementById('backend-form') as HTMLFormElement;
const input = document.getElementById('backend-url') as HTMLInputElement;
const apiKeyInput = document.getElementById('api-key') as HTMLInputElement;
const message = document.getElementById('backend-message') as HTMLElement;

function say(text: string, isError: boolean): void {
  message.textContent = text;
  message.classList.toggle('error', isError);
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const parsed = parseBackendUrl(input.value);
  if (!parsed.ok) {
    say(parsed.error, true);
    return;
  }
  const apiKey = apiKeyInput.value.trim();
  if (/\s/.test(apiKey)) {
    say('An API key has no spaces in it: paste the key exactly as the backend gave it.', true);
    return;
  }
  await backendUrlItem.setValue(parsed.url);
  await apiKeyItem.setValue(apiKey);
  input.value = parsed.url;
  apiKeyInput.value = apiKey;
  const backend = await describeBackend(parsed.url, apiKey);
  say(`Saved. ${backend.text}`, !backend.reachable);
});

input.value = await backendUrlItem.getValue();
apiKeyInput.value = await apiKeyItem.getValue();

const filterForm = document.getElementById('filter-form') as HTMLFormElement;
const filterMessage = document.getElementById('filter-message') as HTMLElement;
const field = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const checkbox = (id: string) => field<HTMLInputElement>(id);
const text = (id: string) => field<HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement>(id);

function showFilterSettings(fields: FilterFormFields): void {
  checkbox('filter-enabled').checked = fields.enabled;
  checkbox('filter-default-list').checked = fields.useDefaultList;
  checkbox('filter-mute-low').checked = fields.muteLowConfidence;
  text('filter-blocked').value = fields.blockedWords;
  text('filter-allowed').value = fields.allowedWords;
  text('filter-sites').value = fields.disabledSites;
  text('filter-confidence').value = fields.minConfidence;
  text('filter-delay').value = fields.protectDelaySeconds;
  text('filter-pad').value = fields.padMs;
  text('filter-sound').value = fields.protectSound;
  for (const radio of document.querySelectorAll<HTMLInputElement>('input[name=filter-audio]')) {
    radio.checked = radio.value === fields.audioMode;
  }
}

filterForm.addEventListener('submit', async (event) => {
  event.preventDefault();
  const result = readFilterForm({
    enabled: checkbox('filter-enabled').checked,
    useDefaultList: checkbox('filter-default-list').checked,
    muteLowConfidence: checkbox('filter-mute-low').checked,
    blockedWords: text('filter-blocked').value,
    allowedWords: text('filter-allowed').value,
    disabledSites: text('filter-sites').value,
    minConfidence: text('filter-confidence').value,
    protectDelaySeconds: text('filter-delay').value,
    padMs: text('filter-pad').value,
    protectSound: text('filter-sound').value,
    audioMode: document.querySelector<HTMLInputElement>('input[name=filter-audio]:checked')?.value ?? '',
  });
  filterMessage.classList.toggle('error', !result.ok);
  if (!result.ok) {
    filterMessage.textContent = result.errors.join('\n');
    return;
  }
  await wordFilterItem.setValue(result.settings);
  showFilterSettings(filterFormFields(result.settings));
  filterMessage.textContent = 'Saved. Running captions use the new filter at once.';
});

field('default-list').textContent = DEFAULT_BLOCKED_WORDS.join(', ');
showFilterSettings(filterFormFields(await getWordFilterSettings()));

const preview = field<HTMLElement>('caption-preview');
const captionControls = {
  size: field<HTMLInputElement>('caption-size'),
  font: field<HTMLSelectElement>('caption-font'),
  textColour: field<HTMLInputElement>('caption-text-colour'),
  backgroundColour: field<HTMLInputElement>('caption-background-colour'),
  backgroundOpacity: field<HTMLInputElement>('caption-background-opacity'),
  position: field<HTMLSelectElement>('caption-position'),
  lines: field<HTMLSelectElement>('caption-lines'),
};

function showCaptionStyle(style: CaptionStyle): void {
  const c = captionControls;
  c.size.value = String(Math.round(style.textScale * 100));
  field('caption-size-value').textContent = `${c.size.value} %`;
  c.font.value = style.font;
  c.textColour.value = style.textColour;
  c.backgroundColour.value = style.backgroundColour;
  c.backgroundOpacity.value = String(Math.round(style.backgroundOpacity * 100));
  field('caption-background-opacity-value').textContent = `${c.backgroundOpacity.value} %`;
  c.position.value = style.position;
  c.lines.value = String(style.lines);
  for (const radio of document.querySelectorAll<HTMLInputElement>('input[name=caption-mode]')) {
    radio.checked = radio.value === style.textMode;
  }
  drawCaptionPreview(preview, style);
}

function readCaptionForm(): CaptionStyle {
  const c = captionControls;
  return readCaptionStyle({
    textScale: Number(c.size.value) / 100,
    font: c.font.value,
    textColour: c.textColour.value,
    backgroundColour: c.backgroundColour.value,
    backgroundOpacity: Number(c.backgroundOpacity.value) / 100,
    position: c.position.value,
    lines: Number(c.lines.value),
    textMode: document.querySelector<HTMLInputElement>('input[name=caption-mode]:checked')?.value,
  });
}

// Every change is saved at once: the preview and running captions follow as the user moves a control.
field('caption-form').addEventListener('input', async () => {
  const style = readCaptionForm();
  showCaptionStyle(style);
  await captionStyleItem.setValue(style);
});
field('caption-undrag').addEventListener('click', async () => {
  await draggedCaptionsItem.setValue({});
  field('caption-message').textContent = 'Captions are back at their set position on every site.';
});
showCaptionStyle(readCaptionStyle(await captionStyleItem.getValue()));
