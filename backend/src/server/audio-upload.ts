import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { StoredAudio } from './file-intake';
import { HttpError } from './http-error';

/** A multipart upload: the audio in a temporary file, the other fields as the door parsed them. */
export interface AudioUpload<Fields> extends StoredAudio {
  fields: Fields;
}

/** Every text field of a form, each with all its values in order (`timestamp_granularities[]` repeats). */
export type FormFields = Map<string, string[]>;

/** Lets a door's routes read multipart uploads, within the server's upload limit. */
export async function acceptUploads(app: FastifyInstance): Promise<void> {
  await app.register(multipart, {
    limits: { fileSize: app.files.options.maxUploadBytes, files: 1, fields: 32, fieldSize: 64 * 1024 },
  });
}

/**
 * Reads a multipart form whose `file` part is streamed to a private temporary directory (never held
 * in memory), and its text fields through the door's `parseFields`. The caller owns the file from then
 * on and must `discard` it; a failure here, a refused field included, removes it.
 */
export async function receiveAudioUpload<Fields>(
  request: FastifyRequest,
  parseFields: (fields: FormFields) => Fields,
): Promise<AudioUpload<Fields>> {
  const dir = await mkdtemp(path.join(tmpdir(), 'earshot-upload-'));
  const discard = () => rm(dir, { recursive: true, force: true });
  const file = path.join(dir, 'audio');
  const fields: FormFields = new Map();
  let filename: string | null = null;
  try {
    for await (const part of request.parts()) {
      if (part.type === 'file') {
        if (part.fieldname !== 'file' || filename !== null) {
          part.file.resume();
          throw new HttpError(400, 'bad_request', 'send exactly one file, in the `file` field', 'file');
        }
        filename = part.filename || 'audio';
        await pipeline(part.file, createWriteStream(file));
      } else {
        fields.set(part.fieldname, [...(fields.get(part.fieldname) ?? []), String(part.value)]);
      }
    }
    if (filename === null) {
      throw new HttpError(400, 'missing_file', 'the form has no `file` field with the audio', 'file');
    }
    const { size } = await stat(file);
    if (size === 0) throw new HttpError(400, 'empty_file', `the uploaded file ${filename} is empty`, 'file');
    return { path: file, filename, fields: parseFields(fields), discard };
  } catch (error) {
    await discard();
    throw error;
  }
}

/** Audio a door received whole (a JSON body's base64), stored as an upload is. */
export async function storeAudioBytes(bytes: Uint8Array, filename: string): Promise<StoredAudio> {
  const dir = await mkdtemp(path.join(tmpdir(), 'earshot-upload-'));
  const file = path.join(dir, 'audio');
  const discard = () => rm(dir, { recursive: true, force: true });
  try {
    await writeFile(file, bytes);
  } catch (error) {
    await discard();
    throw error;
  }
  return { path: file, filename, discard };
}
