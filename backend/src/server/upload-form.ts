import { type ZodRawShape, z } from 'zod';

declare module 'fastify' {
  interface FastifySchema {
    /**
     * The fields of a multipart/form-data upload, for the OpenAPI document only: such a route reads its
     * form itself (its file is streamed to disk), so Fastify has no body to validate.
     */
    multipart?: z.AnyZodObject;
  }
}

/** The description the OpenAPI document gives the file part of every upload form. */
export const UPLOAD_FILE_DESCRIPTION =
  'the audio or video file: anything ffmpeg reads (WAV, MP3, FLAC, Ogg, M4A, …)';

/** An upload form: the audio in a `file` part, and these text fields. */
export function uploadForm<T extends ZodRawShape>(fields: T) {
  return z.object({ file: z.any().describe(UPLOAD_FILE_DESCRIPTION) }).extend(fields);
}
