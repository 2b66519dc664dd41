"""The bilingual word list, the vocabulary and the canary2 prompt of tiny-canary.

Vocabulary: the control tokens of NVIDIA Canary's canary2 prompt format (only the two languages
this model knows), the bare word-start piece `▁` the prompt opens with, then byte-pair pieces
learned from both languages' words (tiny-en's learner, with the same `▁` convention)."""
import importlib.util
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TINY_EN = os.path.join(HERE, "..", "tiny-en")


def tiny_en_module(name):
    """A module of the tiny-en recipe (front end, encoder, byte-pair learner), loaded by path so that
    this recipe's own module names do not clash with it."""
    spec = importlib.util.spec_from_file_location(f"tiny_en_{name}", os.path.join(TINY_EN, f"{name}.py"))
    if spec.name in sys.modules:
        return sys.modules[spec.name]
    module = importlib.util.module_from_spec(spec)
    if TINY_EN not in sys.path:
        sys.path.append(TINY_EN)  # its modules import their siblings by plain name
    sys.modules[spec.name] = module  # worker processes unpickle its functions by this name
    spec.loader.exec_module(module)
    return module


bpe = tiny_en_module("bpe")

LANGS = ("en", "de")
N_PIECES = 512
SPECIALS = [
    "<unk>", "<|nospeech|>", "<pad>", "<|endoftext|>", "<|startoftranscript|>", "<|pnc|>", "<|nopnc|>",
    "<|startofcontext|>", "<|itn|>", "<|noitn|>", "<|timestamp|>", "<|notimestamp|>", "<|diarize|>",
    "<|nodiarize|>", "<|emo:undefined|>",
] + [f"<|{lang}|>" for lang in LANGS]


def load_pairs():
    """[(english, german)] in list order; one word each way, no two words sharing a translation."""
    with open(os.path.join(HERE, "words-en-de.tsv"), encoding="utf-8") as f:
        pairs = [tuple(line.rstrip("\n").split("\t")) for line in f if line.strip()]
    for side in (0, 1):
        words = [p[side] for p in pairs]
        assert len(set(words)) == len(words), f"duplicate word in column {side + 1}"
    return pairs


PAIRS = load_pairs()
WORDS = {"en": [p[0] for p in PAIRS], "de": [p[1] for p in PAIRS]}
_all_words = WORDS["en"] + WORDS["de"]
_MERGES, _PIECES = bpe.learn(_all_words, N_PIECES)
VOCAB = SPECIALS + [bpe.WB] + [p for p in _PIECES if p != bpe.WB]
TOK2ID = {t: i for i, t in enumerate(VOCAB)}
EOS = TOK2ID["<|endoftext|>"]
PAD = TOK2ID["<pad>"]
N_CONTROL = len(SPECIALS) + 1  # pieces below this id are never text (the bare ▁ included)


def other(lang):
    return "de" if lang == "en" else "en"


def prompt(source, target):
    """The canary2 decoder prompt as onnx-asr builds it (punctuation asked for, as it asks by default)."""
    names = [bpe.WB, "<|startofcontext|>", "<|startoftranscript|>", "<|emo:undefined|>", f"<|{source}|>",
             f"<|{target}|>", "<|pnc|>", "<|noitn|>", "<|notimestamp|>", "<|nodiarize|>"]
    return [TOK2ID[n] for n in names]


encode_text = bpe.text_encoder(_MERGES, TOK2ID)


def decode_ids(ids):
    return bpe.join_pieces(VOCAB[i] for i in ids if i >= N_CONTROL)


def sentence_text(indices, lang):
    return " ".join(WORDS[lang][i] for i in indices)
