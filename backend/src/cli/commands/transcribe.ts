import { stat, writeFile } from 'node:fs/promises';
import { decodeAudioFile } from '../../audio/file-decoder';
import { parseDevice } from '../../engine/device-request';
import { defaultModelId, resolveModel } from '../../models';
import { type LanguageCliOptions, languageDefaults } from '../language-options';
import { formatTranscript, TRANSCRIPT_FORMATS, type TranscriptFormat } from '../transcript-format';

export interface TranscribeOptions extends LanguageCliOptions {
  model?: string;
  device: string;
  format: string;
  /** Write the transcript here instead of stdout. */
  output?: string;
  /** `off`, `silero-vad` or a directory holding silero_vad.onnx; unset, the model store's. */
  vad?: string;
}

const WITHOUT_VAD =
  'The whole file is decoded in overlapping windows, pauses and music included, which costs accuracy.';

const clock = (seconds: number) =>
  `${Math.floor(seconds / 60)}:${String(Math.floor(seconds % 60)).padStart(2, '0')}`;

/** On a terminal, a self-overwriting "transcribed 1:20 of 45:00" line; nothing in pipes and logs. */
function progressLine(stream: NodeJS.WriteStream) {
  if (!stream.isTTY) return undefined;
  return (done: number, total: number) => {
    stream.write(`\rtranscribed ${clock(done)} of ${clock(total)}`);
    if (done >= total) stream.write('\n');
  };
}

/** Transcribes one audio or video file and writes the transcript to stdout or `--output`. */
export async function transcribeCommand(file: string, options: TranscribeOptions): Promise<void> {
  if (!(TRANSCRIPT_FORMATS as readonly string[]).includes(options.format)) {
    throw new Error(`unknown format "${options.format}": use ${TRANSCRIPT_FORMATS.join(', ')}`);
  }
  parseDevice(options.device);
  const languages = languageDefaults(options);
  if (!(await stat(file).catch(() => null))) throw new Error(`file not found: ${file}`);
  // A GPU that cannot be had stops here, before the file is decoded.
  const { checkDevice, expectedDeviceKind } = await import('../../engine/device');
  checkDevice(options.device);

  const model = await resolveModel(options.model ?? defaultModelId(expectedDeviceKind(options.device)), {
    allowDownload: false,
  });
  const samples = await decodeAudioFile(file);

  // The engine (and onnxruntime-node with it) loads only once there is something to transcribe.
  const { loadModelRecognizer, transcribeLong } = await import('../../engine');
  const { loadVadChoice } = await import('../../vad-choice');
  const vad = await loadVadChoice(options.vad, WITHOUT_VAD);
  const speech = await vad?.speechSegments(samples).finally(() => vad.release());
  const recognizer = await loadModelRecognizer(model, options.device, languages);
  try {
    const result = await transcribeLong(recognizer, samples, {
      onProgress: progressLine(process.stderr),
      ...(speech ? { speech } : {}),
    });
    const transcript = formatTranscript(result, options.format as TranscriptFormat, file);
    if (options.output) await writeFile(options.output, transcript);
    else process.stdout.write(transcript);
  } finally {
    await recognizer.release();
  }
}
