"""Synthesize the tiny-en corpus with espeak-ng.

Writes to WORK:
  train/feats_XX.pt   cached, normalised log-mel features (float16) + texts
  test-seen/  test-unseen/   16 kHz s16 wavs + ref.trn + wav.list
Everything is derived from fixed seeds.
"""
import argparse
import io
import math
import os
import random
import subprocess
import sys
import wave
from multiprocessing import Pool

import numpy as np
import torch
import torchaudio

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from features import MelFrontend  # noqa: E402
from wordlist import load_words, word_weights  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
BASES = ["en-us", "en-gb", "en-gb-scotland", "en-gb-x-gbclan", "en-gb-x-rp",
         "en-gb-x-gbcwmd", "en-029", "en-us-nyc"]
VARIANTS = ["", "f1", "f2", "f3", "f4", "f5", "m1", "m2", "m3", "m4", "m5",
            "m6", "m7", "m8", "klatt", "klatt3", "klatt4", "klatt5", "klatt6",
            "adam", "alicia", "andy", "annie", "aunty", "belinda", "benjamin",
            "caleb", "david", "ed", "edward", "grandma", "grandpa", "iven",
            "iven2", "john", "linda", "max", "michel", "norbert", "paul",
            "quincy", "rob", "robert", "shelby", "steph", "travis", "victor",
            "Alex", "Andrea", "Gene", "Hugo", "Jacky", "Lee", "Mike",
            "Michael", "Tweaky", "anika", "boris", "pablo", "sandro"]
UNSEEN_VOICE = "en-us+klatt2"  # klatt2 variant never used in training

_front = None


def make_sentence(rng, words, weights):
    n = rng.randint(3, 12)
    return " ".join(rng.choices(words, weights=weights, k=n))


def espeak(text, voice, speed, pitch):
    out = subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-p",
                          str(pitch), "--stdout", text],
                         check=True, capture_output=True).stdout
    with wave.open(io.BytesIO(out)) as w:
        sr = w.getframerate()
        nfr = w.getnframes()
        data = w.readframes(nfr)
    x = np.frombuffer(data, dtype=np.int16).astype(np.float32) / 32768.0
    return x, sr


def render(job):
    """job = (text, voice, speed, pitch, snr_db, gain, seed) -> float32 16k."""
    text, voice, speed, pitch, snr, gain, seed = job
    x, sr = espeak(text, voice, speed, pitch)
    xt = torch.from_numpy(x)
    if sr != 16000:
        xt = torchaudio.functional.resample(xt, sr, 16000)
    x = xt.numpy()
    peak = np.abs(x).max() + 1e-9
    x = x / peak * gain
    rs = np.random.RandomState(seed)
    sig_pow = np.mean(x ** 2) + 1e-12
    noise = rs.randn(len(x)).astype(np.float32)
    if rs.rand() < 0.5:  # brown-ish / pink-ish coloured noise half the time
        noise = np.cumsum(noise) * 0.05
        noise = noise - np.convolve(noise, np.ones(401) / 401, mode="same")
    noise *= math.sqrt(sig_pow / (np.mean(noise ** 2) + 1e-12) / 10 ** (snr / 10))
    x = np.clip(x + noise, -1.0, 1.0)
    return x.astype(np.float32)


def init_worker():
    global _front
    torch.set_num_threads(1)
    _front = MelFrontend()


def featurize(job):
    x = render(job)
    # quantise to 16-bit like the wav files / real PCM input
    x = np.round(x * 32767.0) / 32768.0
    with torch.no_grad():
        w = torch.from_numpy(x.astype(np.float32))[None]
        f, fl = _front(w, torch.tensor([w.shape[1]]))
    return f[0].t().contiguous().half(), job[0]  # [T, 128]


def write_wav(path, x):
    pcm = np.round(np.clip(x, -1, 1) * 32767.0).astype(np.int16)
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes(pcm.tobytes())


def write_scoring_set(d, name, jobs, auds):
    """A scoring set in folder d: a wav per rendered job, ref.trn (what each says), wav.list and
    voices.txt (voice, speed and pitch). Returns the utterance ids, in the jobs' order."""
    uids = [f"{name}-{i:04d}" for i in range(len(jobs))]
    with open(os.path.join(d, "ref.trn"), "w") as rf, \
         open(os.path.join(d, "wav.list"), "w") as lf, \
         open(os.path.join(d, "voices.txt"), "w") as vf:
        for uid, job, x in zip(uids, jobs, auds):
            write_wav(os.path.join(d, uid + ".wav"), x)
            rf.write(f"{job[0]} ({uid})\n")
            lf.write(f"{uid}\t{uid}.wav\n")
            vf.write(f"{uid}\t{job[1]}\t{job[2]}\t{job[3]}\n")
    return uids


def rand_job(rng, text, voice):
    return (text, voice, rng.randint(130, 200), rng.randint(30, 70),
            rng.uniform(20, 40), rng.uniform(0.3, 0.95), rng.randrange(2**31))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", required=True)
    ap.add_argument("--n-train", type=int, default=32000)
    ap.add_argument("--n-test", type=int, default=300)
    ap.add_argument("--shard", type=int, default=4000)
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args()

    words = load_words()
    weights = word_weights(words)
    rng = random.Random(1234)
    held = []
    held_set = set()
    while len(held) < args.n_test:
        s = make_sentence(rng, words, weights)
        if s not in held_set:
            held.append(s)
            held_set.add(s)
    seen_voices = [b + ("+" + v if v else "") for b in BASES for v in VARIANTS]
    assert UNSEEN_VOICE not in seen_voices and all("klatt2" not in v for v in seen_voices)

    os.makedirs(args.work, exist_ok=True)
    pool = Pool(args.jobs, initializer=init_worker)

    # ---- scoring sets (wav) ----
    for name, voices in [("test-seen", None), ("test-unseen", [UNSEEN_VOICE])]:
        d = os.path.join(args.work, name)
        if os.path.exists(os.path.join(d, "ref.trn")):
            continue
        os.makedirs(d, exist_ok=True)
        trng = random.Random(99 if name == "test-seen" else 77)
        jobs = [rand_job(trng, s, trng.choice(voices or seen_voices)) for s in held]
        write_scoring_set(d, name, jobs, pool.map(render, jobs, chunksize=8))
        print(name, "done", flush=True)

    # ---- training set (cached features) ----
    tdir = os.path.join(args.work, "train")
    os.makedirs(tdir, exist_ok=True)
    trng = random.Random(4321)
    jobs = []
    while len(jobs) < args.n_train:
        s = make_sentence(trng, words, weights)
        if s in held_set:
            continue
        jobs.append(rand_job(trng, s, trng.choice(seen_voices)))
    for si in range(0, len(jobs), args.shard):
        path = os.path.join(tdir, f"feats_{si // args.shard:03d}.pt")
        if os.path.exists(path):
            continue
        res = pool.map(featurize, jobs[si:si + args.shard], chunksize=16)
        torch.save({"feats": [r[0] for r in res], "texts": [r[1] for r in res]},
                   path + ".tmp")
        os.replace(path + ".tmp", path)
        print("shard", path, len(res), flush=True)
    pool.close()


if __name__ == "__main__":
    main()
