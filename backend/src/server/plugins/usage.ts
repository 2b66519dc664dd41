import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { Counter } from 'prom-client';
import { type KeyUsage, UsageBook, type UsageCounts, type UsageStore } from '../usage-book';

/** The name usage is kept under when the server runs without keys. */
export const ANONYMOUS = 'anonymous';

/** What routes tell about the audio they had recognized for a request's caller. */
export interface UsageRecorder {
  /** The name usage of this request is kept under; undefined for a request without a key on a server with keys. */
  keyOf(request: FastifyRequest): string | undefined;
  /** Audio of a file or job recognized for a key (as `keyOf` named it when the audio was accepted). */
  audioRecognized(key: string | undefined, seconds: number): void;
  /** Live recording audio decoded (and so recognized). */
  liveAudio(request: FastifyRequest, seconds: number): void;
  /** The caller's totals; undefined for a request that carries no key on a server with keys. */
  of(request: FastifyRequest): Promise<{ key: string; usage: KeyUsage } | undefined>;
}

declare module 'fastify' {
  interface FastifyInstance {
    usage: UsageRecorder;
  }
}

export interface UsagePluginOptions {
  /** Whether requests carry key names (auth on); without keys usage is kept as `anonymous`. */
  keysRequired: boolean;
  /** JSON file the totals are kept in across restarts; without it they live only in memory. */
  file?: string;
  /** A store shared with other workers instead of the file (cluster mode). */
  store?: UsageStore;
  /** How often changed totals are written (they are written on close too). */
  flushIntervalMs?: number;
}

const COUNTERS: [keyof Omit<KeyUsage, 'since'>, string, string][] = [
  ['requests', 'earshot_key_requests_total', 'Requests answered, by API key name'],
  ['audioSeconds', 'earshot_key_audio_seconds_total', 'Seconds of audio recognized, by API key name'],
  ['liveSeconds', 'earshot_key_live_seconds_total', 'Seconds of live recording audio, by API key name'],
  ['errors', 'earshot_key_errors_total', 'Requests answered with a 4xx or 5xx status, by API key name'],
];

/** Usage per API key: requests, audio seconds, live seconds and errors, in /metrics and GET /v1/usage. */
const usagePlugin: FastifyPluginAsync<UsagePluginOptions> = async (app, options) => {
  const book = options.store ?? (await UsageBook.open(options.file));
  const keyOf = (request: FastifyRequest) =>
    request.apiKeyName ?? (options.keysRequired ? undefined : ANONYMOUS);
  const addFor = (key: string | undefined, counts: UsageCounts) => {
    if (key !== undefined) book.add(key, counts);
  };
  const add = (request: FastifyRequest, counts: UsageCounts) => addFor(keyOf(request), counts);

  app.decorate('usage', {
    keyOf,
    audioRecognized: (key, seconds) => addFor(key, { audioSeconds: seconds }),
    liveAudio: (request, seconds) => add(request, { audioSeconds: seconds, liveSeconds: seconds }),
    of: async (request) => {
      const key = keyOf(request);
      return key === undefined ? undefined : { key, usage: await book.get(key) };
    },
  } satisfies UsageRecorder);

  app.addHook('onResponse', async (request, reply) => {
    if (request.method === 'OPTIONS') return;
    add(request, { requests: 1, errors: reply.statusCode >= 400 ? 1 : 0 });
  });

  // The totals are the book's (they survive restarts), so each scrape reads them afresh: once, as a
  // scrape collects the counters together (a shared store is one round trip, not one per counter).
  let reading: Promise<[string, KeyUsage][]> | null = null;
  const readTotals = () => {
    reading ??= book.entries().finally(() => {
      reading = null;
    });
    return reading;
  };
  for (const [field, name, help] of COUNTERS) {
    new Counter({
      name,
      help,
      labelNames: ['key'],
      registers: [app.metrics.registry],
      async collect() {
        const entries = await readTotals();
        this.reset();
        for (const [key, usage] of entries) this.inc({ key }, usage[field]);
      },
    });
  }

  const saveQuietly = () =>
    book.save().catch((error: unknown) => app.log.error({ err: error }, 'saving usage failed'));
  const timer = setInterval(saveQuietly, options.flushIntervalMs ?? 10_000);
  timer.unref();
  app.addHook('onClose', async () => {
    clearInterval(timer);
    await saveQuietly();
  });
};

export default fp(usagePlugin, { name: 'usage', dependencies: ['metrics', 'auth'] });
