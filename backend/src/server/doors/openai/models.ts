import { stat } from 'node:fs/promises';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { listModels, type ModelStatus } from '../../../models';
import { type ModelPool, ModelPoolError } from '../../model-pool';

const DownloadSchema = z.object({
  file: z.string(),
  bytes_done: z.number().int().nonnegative(),
  bytes_total: z.number().int().nonnegative().nullable(),
});

/** OpenAI's model object, with what the users of a local server also want to know. */
export const ModelObjectSchema = z.object({
  id: z.string(),
  object: z.literal('model'),
  /** Unix seconds: when the model's files were put on disk; 0 while they are not. */
  created: z.number().int().nonnegative(),
  owned_by: z.string(),
  description: z.string(),
  /** How the weights are stored (fp32, fp16, int8); null for a directory given by path. */
  precision: z.enum(['fp32', 'fp16', 'int8']).nullable(),
  /** The devices this variant is made for: int8 the CPU, fp16 GPUs (cuda, webgpu), fp32 either. */
  suits: z.array(z.enum(['cpu', 'cuda', 'webgpu'])),
  on_disk: z.boolean(),
  loaded: z.boolean(),
  default: z.boolean(),
  /** The device it runs on while loaded, else null. */
  device: z.string().nullable(),
  /** Loaded and warmed up. */
  ready: z.boolean(),
  status: z.enum(['loaded', 'downloading', 'loading', 'failed', 'on_disk', 'not_downloaded']),
  /** While a load downloads: the file and its bytes so far. */
  download: DownloadSchema.nullable(),
  /** Why the last load failed. */
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  /** Live recordings using it. */
  recordings: z.number().int().nonnegative(),
});
type ModelObject = z.infer<typeof ModelObjectSchema>;

const ModelListSchema = z.object({ object: z.literal('list'), data: z.array(ModelObjectSchema) });
const ModelParamsSchema = z.object({ id: z.string().min(1).max(256) });
const LoadBodySchema = z
  .object({
    /** cpu, auto, cuda, cuda:N or webgpu; the server's device when absent. */
    device: z.string().min(1).max(32).optional(),
    /** Make it the model of requests that name none, once loaded. */
    default: z.boolean().optional(),
  })
  .strict()
  .nullish();

/**
 * The models the store knows and the ones loaded, in OpenAI's list and object shapes (so
 * `client.models.list()`, `.retrieve()` and `.delete()` work), and loading/unloading while serving.
 */
const modelsRoute: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/v1/models',
    {
      schema: {
        summary: 'OpenAI: the models the store knows and the ones loaded',
        tags: ['OpenAI'],
        response: { 200: ModelListSchema },
      },
    },
    async () => ({
      object: 'list' as const,
      data: await describeModels(app.models),
    }),
  );

  app.get(
    '/v1/models/:id',
    {
      schema: {
        summary: 'OpenAI: one model',
        tags: ['OpenAI'],
        params: ModelParamsSchema,
        response: { 200: ModelObjectSchema },
      },
    },
    async (request) => describeModel(app.models, request.params.id),
  );

  app.post(
    '/v1/models/:id/load',
    {
      schema: {
        summary: 'Earshot: load a model while serving (202 while it loads), optionally as the default',
        tags: ['OpenAI'],
        params: ModelParamsSchema,
        body: LoadBodySchema,
        response: { 200: ModelObjectSchema, 202: ModelObjectSchema },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const { device, default: makeDefault } = request.body ?? {};
      const outcome = app.models.load(id, {
        ...(device !== undefined ? { device } : {}),
        ...(makeDefault !== undefined ? { makeDefault } : {}),
      });
      const model = await describeModel(app.models, id);
      return reply.code('queue' in outcome ? 200 : 202).send(model);
    },
  );

  app.delete(
    '/v1/models/:id',
    {
      schema: {
        summary: 'OpenAI: unload a model no recording uses',
        tags: ['OpenAI'],
        params: ModelParamsSchema,
        response: {
          200: z.object({ id: z.string(), object: z.literal('model'), deleted: z.literal(true) }),
        },
      },
    },
    async (request) => {
      const { id } = request.params;
      await app.models.unload(id);
      return { id, object: 'model' as const, deleted: true as const };
    },
  );
};

export async function describeModel(pool: ModelPool, id: string): Promise<ModelObject> {
  const found = (await describeModels(pool)).find((m) => m.id === id);
  if (!found)
    throw new ModelPoolError('model_not_found', `there is no model ${id}; GET /v1/models lists them`);
  return found;
}

async function describeModels(pool: ModelPool): Promise<ModelObject[]> {
  const known = (await listModels()).filter((m) => m.kind === 'asr');
  const fromStore = await Promise.all(known.map((status) => describe(pool, status.id, status)));
  // Models served from a directory given by path are not in the store's list.
  const fromDirs = pool
    .list()
    .map((m) => m.id)
    .filter((id) => !known.some((m) => m.id === id));
  return [...fromStore, ...(await Promise.all(fromDirs.map((id) => describe(pool, id))))];
}

async function describe(pool: ModelPool, id: string, status?: ModelStatus): Promise<ModelObject> {
  const loaded = pool.list().find((m) => m.id === id);
  const pending = pool.pendingLoad(id);
  const onDisk = status ? status.state === 'available' : true;
  const dirStat = status && onDisk ? await stat(status.dir).catch(() => null) : null;
  const download = pending?.download;
  return {
    id,
    object: 'model',
    created: dirStat ? Math.floor(dirStat.mtimeMs / 1000) : (loaded?.loadedAt ?? 0),
    owned_by: status ? ownerOf(status.source) : 'local',
    description: status?.description ?? 'a model directory given by path',
    precision: status?.precision ?? null,
    suits: [...(status?.suits ?? [])],
    on_disk: onDisk,
    loaded: loaded !== undefined,
    default: pool.default.id === id,
    device: loaded?.recognizer.device ?? null,
    ready: loaded?.readiness.ready ?? false,
    status: loaded ? 'loaded' : (pending?.status ?? (onDisk ? 'on_disk' : 'not_downloaded')),
    download: download
      ? { file: download.file, bytes_done: download.bytesDone, bytes_total: download.bytesTotal }
      : null,
    error: !loaded && pending?.error ? pending.error : null,
    recordings: pool.usersOf(id),
  };
}

/** `hf:<owner>/<repo>` → the Hub owner; bundled and other models are Earshot's. */
function ownerOf(source: string): string {
  return /^hf:([^/]+)\//.exec(source)?.[1] ?? 'earshot';
}

export default modelsRoute;
