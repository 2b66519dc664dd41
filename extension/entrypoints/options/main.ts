import { describeBackend } from '../../lib/backend-health';
import { parseBackendUrl } from '../../lib/backend-url';
import { backendUrlItem } from '../../lib/storage-items';

const form = document.getElementById('backend-form') as HTMLFormElement;
const input = document.getElementById('backend-url') as HTMLInputElement;
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
  await backendUrlItem.setValue(parsed.url);
  input.value = parsed.url;
  const backend = await describeBackend(parsed.url);
  say(`Saved. ${backend.text}`, !backend.reachable);
});

input.value = await backendUrlItem.getValue();
