"""Byte-pair pieces learned from words.txt, in the SentencePiece convention
(a word's first piece starts with "\u2581"). Subword pieces keep the token rate
well under the encoder frame rate and let words share acoustic evidence, which a
transducer this small learns much faster than letters or whole words."""

import collections
import functools

WB = "\u2581"


def _symbols(word):
    return [WB + word[0]] + list(word[1:])


def learn(words, size, weights=None):
    """Merges in order, until the piece inventory (single letters included) reaches size.
    Pairs are counted with the words' weights (how often the corpus says them)."""
    weights = weights or [1.0] * len(words)
    seqs = [_symbols(w) for w in words]
    pieces = {s for seq in seqs for s in seq}
    merges = []
    while len(pieces) < size:
        pairs = collections.Counter()
        for seq, wt in zip(seqs, weights):
            for a, b in zip(seq, seq[1:]):
                pairs[(a, b)] += wt
        if not pairs:
            break
        # ties broken by the pair's text so the result does not depend on dict order
        (a, b), _ = max(pairs.items(), key=lambda kv: (kv[1], kv[0][0] + kv[0][1]))
        merges.append((a, b))
        pieces.add(a + b)
        seqs = [_merge(seq, a, b) for seq in seqs]
    return merges, sorted(pieces, key=lambda p: (not p.startswith(WB), len(p), p))


def _merge(seq, a, b):
    out, i = [], 0
    while i < len(seq):
        if i + 1 < len(seq) and seq[i] == a and seq[i + 1] == b:
            out.append(a + b)
            i += 2
        else:
            out.append(seq[i])
            i += 1
    return out


def encode_word(word, merges):
    seq = _symbols(word)
    for a, b in merges:
        if len(seq) == 1:
            break
        seq = _merge(seq, a, b)
    return seq


def text_encoder(merges, tok2id):
    """encode_text(text) -> the piece ids of its words, each word's ids computed once."""
    @functools.lru_cache(maxsize=None)
    def word_ids(word):
        return tuple(tok2id[p] for p in encode_word(word, merges))

    def encode_text(text):
        return [i for w in text.split() for i in word_ids(w)]
    return encode_text


def join_pieces(pieces):
    """The text of a sequence of pieces: a word starts at every "\u2581"."""
    return "".join(pieces).replace(WB, " ").strip()
