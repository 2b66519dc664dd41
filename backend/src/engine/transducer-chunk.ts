import { EngineError } from './errors.js';
import { assembleWords, type Timing } from './result-assembly.js';
import type { DecodedStream, DecodePlan, DecodePoint, PredictionState } from './tdt-decoder.js';
import type { ChunkEnd, ChunkRequest, DecoderCarry, RecognitionResult } from './types.js';
import { type Vocabulary, WORD_START } from './vocab.js';

/** What a transducer leaves for the next chunk of a recording. */
class TransducerCarry implements DecoderCarry {
  constructor(
    readonly modelId: string,
    readonly state: PredictionState,
    /** Frames the duration head skipped past the chunk's end: the next chunk starts that far in. */
    readonly overshoot: number,
  ) {}
}

/** A chunk request as frames of the stream: where decoding starts and where its tokens stop being final. */
export function chunkPlan(
  request: ChunkRequest,
  modelId: string,
  frameSeconds: number,
  vocab: Vocabulary,
): DecodePlan {
  const carry = ownCarry(request.carry, modelId);
  const fromFrame = Math.round(request.from / frameSeconds);
  return {
    startFrame: fromFrame + (carry?.overshoot ?? 0),
    commitFrame: Math.max(fromFrame, Math.round(request.to / frameSeconds)),
    state: carry?.state ?? null,
    opensWord: (id) => vocab.pieces[id]?.startsWith(WORD_START) ?? false,
  };
}

/**
 * Words of a decoded chunk, and where it can end: before each word it opened after its start, and at
 * its `to` when no word goes on across it (the first token after it opens a word, or none follows, or
 * speech ends there). So no word is ever decoded half in one chunk and half in the next: a chunk that
 * ends at a word's start leaves that word to the next chunk, which decodes it again from its first
 * frame. With `closing`, the chunk ends at `to` and what the right context holds starts afresh.
 */
export function chunkResult(
  request: ChunkRequest,
  modelId: string,
  decoded: DecodedStream,
  vocab: Vocabulary,
  timing: Timing & { frameSeconds: number },
): RecognitionResult {
  ownCarry(request.carry, modelId);
  const { tokens, atCommit, atWordStarts } = decoded;
  const opensWord = (index: number) => vocab.pieces[tokens[index]?.id ?? -1]?.startsWith(WORD_START);
  const startFrame = Math.round(request.from / timing.frameSeconds);
  const parts = request.closing
    ? [tokens.slice(0, atCommit.tokens), tokens.slice(atCommit.tokens)]
    : [tokens];
  const assembled = parts.map((part) => assembleWords(part, vocab, timing));
  const words = assembled.flatMap((a) => a.words);
  const before = (tokenCount: number) =>
    (assembled[0]?.words ?? []).filter((w) => w.lastToken < tokenCount).length;
  const end = (point: DecodePoint, through: number): ChunkEnd => ({
    committed: before(point.tokens),
    through,
    carry: new TransducerCarry(modelId, point.state, point.overshoot),
  });
  const ends = request.closing
    ? []
    : atWordStarts
        .filter((point) => point.frame > startFrame)
        .map((point) => end(point, point.frame * timing.frameSeconds));
  if (request.closing || atCommit.tokens === tokens.length || opensWord(atCommit.tokens))
    ends.push(end(atCommit, request.to));
  return {
    text: words.map((w) => w.word).join(' '),
    tokens: assembled.flatMap((a) => a.tokens),
    words: words.map(({ word, start, end: e, confidence }) => ({ word, start, end: e, confidence })),
    chunk: { ends },
  };
}

function ownCarry(carry: DecoderCarry | null, modelId: string): TransducerCarry | null {
  if (carry === null) return null;
  if (!(carry instanceof TransducerCarry) || carry.modelId !== modelId) {
    throw new EngineError('foreign_stream', `a chunk's carry was not made by model ${modelId}`);
  }
  return carry;
}
