import type { CDPSession, Page } from '@playwright/test';

/** One POST /asr/stream of the extension and its answer, as Chromium's network layer saw them. */
export interface StreamExchange {
  recordingId: string;
  seq: number;
  /** Wall clock when the chunk was sent. */
  sentAtMs: number;
  /** Wall clock of the answer's headers; undefined while none came (or the request failed). */
  answeredAtMs?: number;
  status?: number;
  /** The worker HAProxy passed it to (its X-Earshot-Worker answer header). */
  worker?: string;
  /** The error code of a refused chunk. */
  code?: string;
}

export interface StreamExchanges {
  readonly exchanges: StreamExchange[];
  close(): Promise<void>;
}

interface CdpMessage {
  id?: number;
  method?: string;
  // biome-ignore lint/suspicious/noExplicitAny: CDP event parameters, read field by field below.
  params?: any;
  // biome-ignore lint/suspicious/noExplicitAny: CDP command results.
  result?: any;
}

/**
 * Watches the chunks the extension's offscreen document uploads (where its tab captures live),
 * through the DevTools protocol from one of the extension's pages: the offscreen document is no
 * Playwright page, so its requests are seen by attaching to its target.
 */
export async function watchStreamExchanges(extensionPage: Page): Promise<StreamExchanges> {
  const cdp: CDPSession = await extensionPage.context().newCDPSession(extensionPage);
  const { targetInfos } = await cdp.send('Target.getTargets');
  const offscreen = targetInfos.find((t) => t.url.endsWith('/offscreen.html'));
  if (!offscreen) throw new Error('the extension has no offscreen document (no capture running)');
  const { sessionId } = await cdp.send('Target.attachToTarget', { targetId: offscreen.targetId });
  const exchanges: StreamExchange[] = [];
  const byRequest = new Map<string, { exchange: StreamExchange; wallTime: number; timestamp: number }>();
  const replies = new Map<number, (result: CdpMessage['result']) => void>();
  let nextId = 1;
  const send = (method: string, params: object = {}) => {
    const id = nextId++;
    const reply = new Promise<CdpMessage['result']>((resolve) => replies.set(id, resolve));
    void cdp.send('Target.sendMessageToTarget', {
      sessionId,
      message: JSON.stringify({ id, method, params }),
    });
    return reply;
  };
  cdp.on('Target.receivedMessageFromTarget', (event) => {
    if (event.sessionId !== sessionId) return;
    const message = JSON.parse(event.message) as CdpMessage;
    if (message.id !== undefined) {
      replies.get(message.id)?.(message.result);
      replies.delete(message.id);
      return;
    }
    const p = message.params;
    switch (message.method) {
      case 'Network.requestWillBeSent': {
        if (!p.request.url.includes('/asr/stream')) return;
        const body = JSON.parse(p.request.postData ?? '{}') as { recording_id?: string; seq?: number };
        const exchange: StreamExchange = {
          recordingId: body.recording_id ?? '',
          seq: body.seq ?? -1,
          sentAtMs: p.wallTime * 1000,
        };
        exchanges.push(exchange);
        byRequest.set(p.requestId, { exchange, wallTime: p.wallTime, timestamp: p.timestamp });
        return;
      }
      case 'Network.responseReceived': {
        const sent = byRequest.get(p.requestId);
        if (!sent) return;
        const headers = Object.fromEntries(
          Object.entries(p.response.headers as Record<string, string>).map(([k, v]) => [k.toLowerCase(), v]),
        );
        sent.exchange.status = p.response.status;
        sent.exchange.worker = headers['x-earshot-worker'];
        // Monotonic timestamps, placed on the wall clock of the request.
        sent.exchange.answeredAtMs = (sent.wallTime + (p.timestamp - sent.timestamp)) * 1000;
        return;
      }
      case 'Network.loadingFinished': {
        const sent = byRequest.get(p.requestId);
        if (!sent || (sent.exchange.status ?? 200) < 400) return;
        void send('Network.getResponseBody', { requestId: p.requestId }).then((result) => {
          const body = JSON.parse(result?.body ?? '{}') as { error?: { code?: string } };
          if (body.error?.code) sent.exchange.code = body.error.code;
        });
        return;
      }
    }
  });
  // Chunks are a few KiB of base64: their bodies are kept for requestWillBeSent.
  await send('Network.enable', { maxPostDataSize: 1 << 20 });
  return {
    exchanges,
    async close() {
      await cdp.send('Target.detachFromTarget', { sessionId }).catch(() => undefined);
      await cdp.detach().catch(() => undefined);
    },
  };
}
