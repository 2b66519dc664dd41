"""Synthesize the tiny-canary corpus with espeak-ng: English and German speech over the bilingual
word list, each utterance kept with the word indices it says, so that its transcript and its
word-by-word translation are both known.

Writes to WORK:
  train/feats_XXX.pt   cached normalised log-mel features (float16), language, word indices
  test-<lang>/ test-<lang>-unseen/   16 kHz s16 wavs + ref.trn (transcript) + ref-translation.trn
                                     (the other language) + wav.list
Everything is derived from fixed seeds."""
import argparse
import os
import random
import sys
from multiprocessing import Pool

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lexicon as L  # noqa: E402

speech = L.tiny_en_module("synth")  # espeak-ng rendering, noise, features, scoring-set files

BASES = {"en": speech.BASES, "de": ["de"]}
UNSEEN = "klatt2"  # the variant never used in training
VOICES = {lang: [b + ("+" + v if v else "") for b in bases for v in speech.VARIANTS]
          for lang, bases in BASES.items()}


def make_sentence(rng):
    return tuple(rng.randrange(len(L.PAIRS)) for _ in range(rng.randint(3, 10)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", required=True)
    ap.add_argument("--n-train", type=int, default=16000, help="utterances per language")
    ap.add_argument("--n-test", type=int, default=200, help="held-out sentences per language")
    ap.add_argument("--shard", type=int, default=2000)
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args()
    assert all(UNSEEN not in v for voices in VOICES.values() for v in voices)

    rng = random.Random(1234)
    held = {lang: [] for lang in L.LANGS}
    held_set = set()
    for lang in L.LANGS:
        while len(held[lang]) < args.n_test:
            s = make_sentence(rng)
            if s not in held_set:
                held[lang].append(s)
                held_set.add(s)

    os.makedirs(args.work, exist_ok=True)
    pool = Pool(args.jobs, initializer=speech.init_worker)

    for lang in L.LANGS:
        for name, voices in [(f"test-{lang}", VOICES[lang]), (f"test-{lang}-unseen", [f"{BASES[lang][0]}+{UNSEEN}"])]:
            d = os.path.join(args.work, name)
            if os.path.exists(os.path.join(d, "ref.trn")):
                continue
            os.makedirs(d, exist_ok=True)
            trng = random.Random(99 if name.endswith(lang) else 77)
            jobs = [speech.rand_job(trng, L.sentence_text(s, lang), trng.choice(voices)) for s in held[lang]]
            uids = speech.write_scoring_set(d, name, jobs, pool.map(speech.render, jobs, chunksize=8))
            with open(os.path.join(d, "ref-translation.trn"), "w") as tf:
                for uid, s in zip(uids, held[lang]):
                    tf.write(f"{L.sentence_text(s, L.other(lang))} ({uid})\n")
            print(name, "done", flush=True)

    # Training shards alternate languages, so the first ones hold both.
    tdir = os.path.join(args.work, "train")
    os.makedirs(tdir, exist_ok=True)
    trng = random.Random(4321)
    per_lang = {lang: [] for lang in L.LANGS}
    for lang in L.LANGS:
        while len(per_lang[lang]) < args.n_train:
            s = make_sentence(trng)
            if s not in held_set:
                per_lang[lang].append(s)
    half = args.shard // 2
    for si in range(0, args.n_train, half):
        path = os.path.join(tdir, f"feats_{si // half:03d}.pt")
        if os.path.exists(path):
            continue
        items = [(lang, s) for lang in L.LANGS for s in per_lang[lang][si:si + half]]
        jobs = [job_for(trng_for(path, k), lang, s) for k, (lang, s) in enumerate(items)]
        res = pool.map(speech.featurize, jobs, chunksize=16)
        torch.save({"feats": [r[0] for r in res], "langs": [lang for lang, _ in items],
                    "words": [list(s) for _, s in items]}, path + ".tmp")
        os.replace(path + ".tmp", path)
        print("shard", path, len(res), flush=True)
    pool.close()


def job_for(rng, lang, sentence):
    voice = rng.choice(VOICES[lang])
    return speech.rand_job(rng, L.sentence_text(sentence, lang), voice)


def trng_for(path, k):
    """A generator per utterance, so that a shard is the same whichever shards exist already."""
    return random.Random(f"{os.path.basename(path)}:{k}")


if __name__ == "__main__":
    main()
