import path from 'node:path';
import { WhisperTokenizer } from '@huggingface/transformers';
import { ModelLoadError } from '../errors.js';
import { readJson } from './model-config.js';

/** A run of tokens that decodes to whole characters (byte-level BPE can split one across tokens). */
export interface TextPiece {
  /** Indices into the token list the piece was made from. */
  indices: number[];
  text: string;
}

/** The model's own byte-level BPE tokenizer, through transformers.js. */
export class WhisperText {
  private constructor(
    private readonly tokenizer: WhisperTokenizer,
    /** Added (special) tokens by content: `<|startoftranscript|>`, `<|en|>`, `<|0.00|>`… */
    readonly specialTokens: ReadonlyMap<string, number>,
  ) {}

  static load(dir: string): WhisperText {
    const tokenizerJson = readJson(path.join(dir, 'tokenizer.json'));
    const tokenizerConfig = readJson(path.join(dir, 'tokenizer_config.json'));
    const special = new Map<string, number>();
    const added = tokenizerJson.added_tokens;
    if (Array.isArray(added)) {
      for (const token of added as { id?: unknown; content?: unknown }[]) {
        if (typeof token.content === 'string' && typeof token.id === 'number')
          special.set(token.content, token.id);
      }
    }
    try {
      return new WhisperText(new WhisperTokenizer(tokenizerJson, tokenizerConfig), special);
    } catch (error) {
      throw new ModelLoadError(`Cannot build the Whisper tokenizer in ${dir}: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }

  /** Text tokens only, no special tokens around them. */
  encode(text: string): number[] {
    return this.tokenizer.encode(text, { add_special_tokens: false });
  }

  decode(ids: readonly number[]): string {
    return this.tokenizer.decode([...ids], { skip_special_tokens: true });
  }

  /** Groups text tokens so every group decodes to complete characters. */
  pieces(ids: readonly number[]): TextPiece[] {
    const pieces: TextPiece[] = [];
    let pending: number[] = [];
    ids.forEach((_, index) => {
      pending.push(index);
      const text = this.decode(pending.map((i) => ids[i] as number));
      if (!text.includes('\uFFFD') || index === ids.length - 1) {
        pieces.push({ indices: pending, text });
        pending = [];
      }
    });
    return pieces;
  }
}
