import { ModelLoadError } from '../errors.js';
import { type Vocabulary, WORD_START } from '../vocab.js';

/** A language token of Canary's vocabulary: `<|de|>`. */
const LANGUAGE_TOKEN = /^<\|([a-z]{2})\|>$/;

/**
 * The canary2 decoder prompt (NeMo's Canary2PromptFormatter, as onnx-asr builds it): the bare `▁`,
 * context and transcript openers, emotion undefined, source and target language, punctuation and
 * capitals, no inverse text normalization, no timestamps, no diarization. Every id is looked up by
 * name in the model's vocabulary; the languages it knows are the `<|xx|>` tokens there.
 */
export class CanaryPrompt {
  readonly endOfText: number;
  /** Language code → token id, in vocabulary order. */
  readonly languages: ReadonlyMap<string, number>;
  private readonly template: number[];
  private static readonly SOURCE = 4;
  private static readonly TARGET = 5;

  constructor(vocab: Vocabulary, file: string) {
    const ids = new Map(vocab.pieces.map((piece, id) => [piece, id]));
    const id = (piece: string) => {
      const found = ids.get(piece);
      if (found === undefined)
        throw new ModelLoadError(`${file} has no ${piece} token: not a canary2 vocabulary`);
      return found;
    };
    this.endOfText = id('<|endoftext|>');
    this.languages = new Map(
      vocab.pieces.flatMap((piece, index) => {
        const code = LANGUAGE_TOKEN.exec(piece)?.[1];
        return code ? [[code, index] as const] : [];
      }),
    );
    if (this.languages.size === 0) throw new ModelLoadError(`${file} names no language (<|xx|> tokens)`);
    const first = [...this.languages.values()][0] as number;
    this.template = [
      id(WORD_START),
      id('<|startofcontext|>'),
      id('<|startoftranscript|>'),
      id('<|emo:undefined|>'),
      first,
      first,
      id('<|pnc|>'),
      id('<|noitn|>'),
      id('<|notimestamp|>'),
      id('<|nodiarize|>'),
    ];
  }

  get length(): number {
    return this.template.length;
  }

  /** The prompt for speech in `source` written in `target` (the same language: a transcript). */
  tokens(source: string, target: string): number[] {
    const prompt = [...this.template];
    prompt[CanaryPrompt.SOURCE] = this.languages.get(source) as number;
    prompt[CanaryPrompt.TARGET] = this.languages.get(target) as number;
    return prompt;
  }
}
