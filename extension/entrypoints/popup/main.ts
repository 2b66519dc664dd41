import {
  type CaptureCommand,
  CaptureCommandReplySchema,
  type CaptureStatus,
  type TabCaptureState,
} from '@earshot/shared';
import { browser } from '#imports';
import { describeBackend } from '../../lib/backend-health';
import { backendUrlItem, captureStatesItem } from '../../lib/storage-items';

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

function render(state: TabCaptureState | undefined): void {
  const status = state?.status ?? 'off';
  statusText.textContent = STATUS_LABELS[status];
  reasonText.hidden = !state?.reason;
  reasonText.textContent = state?.reason ?? '';
  const capturing = status === 'starting' || status === 'live' || status === 'backend_offline';
  toggle.textContent = capturing ? 'Stop captions' : 'Start captions';
  toggle.dataset.action = capturing ? 'stop' : 'start';
}

async function showBackendHealth(): Promise<void> {
  backendText.textContent = (await describeBackend(await backendUrlItem.getValue())).text;
}

/** The tab the popup acts on: `?tabId=` when opened as a page for a given tab, else the active tab. */
async function targetTabId(): Promise<number | undefined> {
  const requested = new URLSearchParams(location.search).get('tabId');
  if (requested && /^\d+$/.test(requested)) return Number(requested);
  const [tab] = await browser.tabs.query({ active: true, currentWindow: true });
  return tab?.id;
}

async function main(): Promise<void> {
  void showBackendHealth();
  const tabId = await targetTabId();
  if (tabId === undefined || tabId < 0) {
    statusText.textContent = 'not available on this page';
    return;
  }
  render((await captureStatesItem.getValue())[tabId]);
  captureStatesItem.watch((states) => render(states[tabId]));
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
