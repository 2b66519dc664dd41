import type { WhisperOptions } from '../engine';

export interface WhisperCliOptions {
  language?: string;
  task?: string;
}

/** `--language` and `--task` as engine options; the engine checks the language against the model. */
export function whisperOptions(options: WhisperCliOptions): Pick<WhisperOptions, 'language' | 'task'> {
  const { language, task } = options;
  if (task !== undefined && task !== 'transcribe' && task !== 'translate')
    throw new Error(`unknown task "${task}": use transcribe or translate`);
  return {
    ...(language !== undefined ? { language } : {}),
    ...(task !== undefined ? { task } : {}),
  };
}
