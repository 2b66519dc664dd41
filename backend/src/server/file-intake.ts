import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AudioFileError } from '../audio/file-decoder';
import type { LanguageChoice } from '../engine/language-support';
import type { WordTiming } from '../engine/types';
import {
  FileJobs,
  type Job,
  type JobQueue,
  type JobQueueFactory,
  type JobRunner,
  TooManyJobsError,
} from '../files/file-jobs';
import {
  type FileTranscript,
  type FileTranscriptionOptions,
  transcribeFileThroughQueue,
} from '../files/file-transcription';
import type { ResponseFormat, TimestampGranularity } from '../files/openai-transcript';
import { HttpError } from './http-error';
import { leaseFileModel } from './model-lease';
import type { ModelLease } from './model-pool';
import { type AudioTask, checkTask } from './model-task';

/** An audio file a door has stored for the request: in a private temporary place until discarded. */
export interface StoredAudio {
  path: string;
  /** The name the client gave the file, for messages and results. */
  filename: string;
  /** Deletes the file; safe to call more than once. */
  discard(): Promise<void>;
}

/** What a door asks of a file, in the server's terms. */
export interface FileAsk {
  /** A loaded model's id; absent: the server's default model. */
  model?: string;
  task: AudioTask;
  language?: string;
  /** The language to write the text in, a translation where it differs from the spoken one. */
  targetLanguage?: string;
  /** Whisper's previous-text prompt; Parakeet ignores it. */
  prompt?: string;
}

/** A file accepted for a task on a loaded model, holding the file and the model until released. */
export interface AcceptedAudio {
  filename: string;
  /** Where the file is, for a job queue that hands it to another worker. */
  path: string;
  /** Whose usage its audio counts as. */
  key: string | undefined;
  /** What its transcription is asked, to run it on another worker the same. */
  asked: AskedTranscription;
  task: AudioTask;
  modelId: string;
  /** The language to report when the engine does not say. */
  language: string;
  /** The language the text is written in, when that is a translation. */
  targetLanguage?: string;
  /** How the model's word times are obtained. */
  wordTiming: WordTiming;
  transcribe(options: Omit<FileTranscriptionOptions, 'createVadStream' | 'prompt'>): Promise<FileTranscript>;
  /** Returns the model lease and deletes the file; safe to call more than once. */
  release(): Promise<void>;
}

/** What a job carries besides its file: what it was asked and how its result is shown by default. */
export interface FileJobDetails {
  modelId: string;
  task: AudioTask;
  language: string;
  targetLanguage?: string;
  wordTiming: WordTiming;
  filename: string;
  /** The format its result is rendered in when fetched without naming one. */
  format: ResponseFormat;
  granularities: TimestampGranularity[];
  /** Whose usage the job's audio counts as, wherever it runs. */
  key: string | null;
  /** What its transcription is asked, wherever it runs. */
  asked: AskedTranscription;
}

/** The settled languages and Whisper's previous-text prompt a file is transcribed with. */
export interface AskedTranscription {
  languages: LanguageChoice;
  prompt?: string;
}

export interface FileIntakeOptions {
  /** Largest upload a door accepts. */
  maxUploadBytes: number;
  /** Jobs waiting or running at most; more are refused with 429. */
  maxPendingJobs: number;
  /** Seconds a finished job and its result are kept. */
  keepFinishedSeconds: number;
  /** A job queue shared beyond this process (cluster mode); jobs run in this process without it. */
  createQueue?: JobQueueFactory;
}

/**
 * The file path every door shares: a stored file is checked against the model it names (or the
 * default), transcribed through that model's inference queue at batch priority, at once or as a job
 * in the one job list. It knows nothing of the door the file came through.
 */
export class FileIntake {
  readonly jobs: JobQueue<FileJobDetails>;

  constructor(
    private readonly app: FastifyInstance,
    readonly options: FileIntakeOptions,
  ) {
    const limits = { maxPending: options.maxPendingJobs, keepFinishedMs: options.keepFinishedSeconds * 1000 };
    this.jobs = options.createQueue
      ? options.createQueue<FileJobDetails>(limits, this.runAccepted)
      : new FileJobs<FileJobDetails>(limits);
  }

  /** Runs a job another worker accepted: its model leased here, its file read where that worker left it. */
  private readonly runAccepted: JobRunner<FileJobDetails> = async (
    { id, details, upload },
    signal,
    onProgress,
  ) => {
    const { model, release } = leaseFileModel(this.app, details.modelId);
    try {
      return await this.transcribeLeased(model, upload, details.asked, details.key ?? undefined, {
        key: `job-${id}`,
        signal,
        onProgress,
      });
    } finally {
      release();
    }
  };

  /** Leases the model and checks the task; anything refused here has already freed the file. */
  async accept(request: FastifyRequest, audio: StoredAudio, ask: FileAsk): Promise<AcceptedAudio> {
    let releaseModel = () => {};
    const release = async () => {
      releaseModel();
      await audio.discard();
    };
    try {
      const { model, release: unlease } = leaseFileModel(this.app, ask.model);
      releaseModel = unlease;
      const { report, ...languages } = checkTask(model.recognizer, ask.task, {
        ...(ask.language !== undefined ? { language: ask.language } : {}),
        ...(ask.targetLanguage !== undefined ? { targetLanguage: ask.targetLanguage } : {}),
      });
      const key = this.app.usage.keyOf(request);
      const asked = { languages, ...(ask.prompt !== undefined ? { prompt: ask.prompt } : {}) };
      return {
        filename: audio.filename,
        path: audio.path,
        key,
        asked,
        task: ask.task,
        modelId: model.id,
        language: languages.language ?? report,
        ...(languages.targetLanguage !== undefined ? { targetLanguage: languages.targetLanguage } : {}),
        wordTiming: model.recognizer.wordTiming ?? 'measured',
        release,
        transcribe: (options) => this.transcribeLeased(model, audio, asked, key, options),
      };
    } catch (error) {
      await release();
      throw error;
    }
  }

  /** Transcribes an accepted file now, for the reply; a client that goes away stops the work. */
  async transcribe(
    request: FastifyRequest,
    reply: FastifyReply,
    audio: AcceptedAudio,
    options: Omit<FileTranscriptionOptions, 'createVadStream' | 'prompt' | 'key' | 'signal'> = {},
  ): Promise<FileTranscript> {
    const stop = new AbortController();
    reply.raw.on('close', () => stop.abort(new Error('the client closed the connection')));
    try {
      return await audio.transcribe({ key: `file-${request.id}`, signal: stop.signal, ...options });
    } finally {
      await audio.release();
    }
  }

  /** Queues an accepted file as a job (429 when the list is full); the job releases it when it ends. */
  async submit(
    request: FastifyRequest,
    audio: AcceptedAudio,
    rendering: Pick<FileJobDetails, 'format' | 'granularities'> = { format: 'json', granularities: [] },
  ): Promise<Job<FileJobDetails>> {
    const { modelId, task, language, targetLanguage, wordTiming, filename, path, key, asked } = audio;
    try {
      return await this.jobs.submit({
        details: {
          modelId,
          task,
          language,
          ...(targetLanguage !== undefined ? { targetLanguage } : {}),
          wordTiming,
          filename,
          key: key ?? null,
          asked,
          ...rendering,
        },
        upload: { path, filename },
        run: (signal, onProgress) => audio.transcribe({ key: `job-${request.id}`, signal, onProgress }),
        release: audio.release,
      });
    } catch (error) {
      if (error instanceof TooManyJobsError) throw new HttpError(429, 'too_many_jobs', error.message);
      throw error;
    }
  }

  /** The job with this id, or a 404 naming it. */
  async job(id: string): Promise<Job<FileJobDetails>> {
    const job = await this.jobs.get(id);
    if (!job) throw new HttpError(404, 'job_not_found', `there is no job ${id}`, 'id');
    return job;
  }

  close(): Promise<void> {
    return this.jobs.close();
  }

  /**
   * Transcribes a stored file with a leased model through its inference queue at batch priority, and
   * counts its audio as `key`'s usage.
   */
  private async transcribeLeased(
    model: ModelLease['model'],
    audio: { path: string; filename: string },
    asked: AskedTranscription,
    key: string | undefined,
    options: Omit<FileTranscriptionOptions, 'createVadStream' | 'prompt'>,
  ): Promise<FileTranscript> {
    // Where the file's speech is, when the server runs VAD.
    const { createVadStream } = this.app.voiceActivity;
    const transcript = await transcribeFileThroughQueue(
      audio.path,
      { queue: model.queue, sampleRate: model.recognizer.sampleRate },
      {
        ...options,
        languages: asked.languages,
        ...(asked.prompt !== undefined ? { prompt: asked.prompt } : {}),
        ...(createVadStream ? { createVadStream } : {}),
      },
    ).catch((error: unknown) => {
      // ffmpeg's message names the stored file; the client knows its own file name.
      if (!(error instanceof AudioFileError)) throw error;
      throw new AudioFileError(error.message.replaceAll(audio.path, audio.filename));
    });
    this.app.usage.audioRecognized(key, transcript.durationSeconds);
    return transcript;
  }
}
