/**
 * Resident memory of a running server as it loads and unloads a model through its HTTP API, cycle
 * after cycle: POST /v1/models/{id}/load, 20 s of audio through the model's queue, DELETE. Prints RSS at
 * each step, so what an unload gives back (and whether cycles leak) can be read off.
 *
 *   pnpm -C backend bench:model-memory [--model <id>] [--dir <model dir>] [--cycles 3]
 *
 * `--dir` serves a model directory in place of the store model `--model` (default
 * parakeet-tdt-0.6b-v2-int8), for a machine that cannot download it: a directory of the same
 * architecture and size (such as the Parakeet twin of backend/recipes/parakeet-twin) gives the figures
 * of the real model. The default model, kept loaded throughout, is the bundled tiny-en.
 */
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { loadModelRecognizer } from '../src/engine';
import { resolveModel } from '../src/models';
import { formatBytes } from '../src/models/progress';
import { buildApp } from '../src/server/app';
import { loadFromStore } from '../src/server/model-loader';
import { residentBytes } from './process-usage';

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: 'parakeet-tdt-0.6b-v2-int8' },
    dir: { type: 'string' },
    cycles: { type: 'string', default: '3' },
  },
});
const modelId = values.model;
const cycles = Number(values.cycles);

const mb = (bytes: number) => formatBytes(bytes).padStart(9);
const delta = (bytes: number) => `${bytes >= 0 ? '+' : '-'}${formatBytes(Math.abs(bytes))}`;

/** RSS after the engine's freed memory has had a moment to go back to the system. */
async function settledRss(): Promise<number> {
  await new Promise((resolve) => setTimeout(resolve, 500));
  return residentBytes();
}

async function main(): Promise<void> {
  const start = residentBytes();
  const tinyEn = await loadModelRecognizer(await resolveModel('tiny-en', { allowDownload: false }), 'cpu');
  const app = await buildApp({
    recognizer: tinyEn,
    config: { host: '127.0.0.1' },
    loadModel: (id, options) => loadFromStore(id === modelId && values.dir ? values.dir : id, options),
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  try {
    const serving = await settledRss();
    console.log(`process start ${mb(start)}; serving tiny-en ${mb(serving)} (${delta(serving - start)})`);
    console.log(`model ${modelId}${values.dir ? ` (served from ${values.dir})` : ''}, ${cycles} cycles:`);
    for (let cycle = 1; cycle <= cycles; cycle++) {
      const before = await settledRss();
      const accepted = await fetch(`${url}/v1/models/${modelId}/load`, { method: 'POST' });
      if (accepted.status >= 300) throw new Error(`load refused: ${await accepted.text()}`);
      const loadedAt = performance.now();
      while (!app.models.list().some((m) => m.id === modelId && m.readiness.ready)) {
        const state = app.models.pendingLoad(modelId);
        if (state?.status === 'failed') throw new Error(`load failed: ${state.error?.message}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const loadSeconds = (performance.now() - loadedAt) / 1000;
      const loaded = await settledRss();
      // 20 s of noise in one window: the encoder's working memory for a long window is part of the model's cost.
      const model = app.models.get(modelId);
      const samples = Float32Array.from(
        { length: 20 * model.recognizer.sampleRate },
        () => Math.random() * 0.2 - 0.1,
      );
      await model.queue.submit({ key: 'bench', kind: 'final', samples });
      const used = await settledRss();
      const deleted = await fetch(`${url}/v1/models/${modelId}`, { method: 'DELETE' });
      if (deleted.status !== 200) throw new Error(`unload refused: ${await deleted.text()}`);
      const after = await settledRss();
      console.log(
        `  cycle ${cycle}: before ${mb(before)} | loaded+warm ${mb(loaded)} (${delta(loaded - before)}, ${loadSeconds.toFixed(1)} s)` +
          ` | after 20 s decode ${mb(used)} (${delta(used - before)}) | unloaded ${mb(after)} (${delta(after - used)} freed, ${delta(after - before)} vs before)`,
      );
    }
  } finally {
    await app.close();
    await tinyEn.release();
  }
}

await main();
