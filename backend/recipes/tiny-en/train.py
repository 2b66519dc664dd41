"""Train the tiny-en transducer on cached features: RNN-T loss plus an auxiliary CTC
loss on the encoder (not exported; it gets the encoder listening to the audio much
sooner). With --world 2 two processes each take half of every batch pair and average
gradients, because this PyTorch build runs a model this small on one core only."""
import argparse
import glob
import math
import os
import random
import sys
import time

import torch
import torch.distributed as dist
import torch.multiprocessing as mp
import torchaudio

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import model as M  # noqa: E402


def wer_counts(ref, hyp):
    r, h = ref.split(), hyp.split()
    d = list(range(len(h) + 1))
    for i in range(1, len(r) + 1):
        prev, d[0] = d[0], i
        for j in range(1, len(h) + 1):
            cur = min(d[j] + 1, d[j - 1] + 1, prev + (r[i - 1] != h[j - 1]))
            prev, d[j] = d[j], cur
    return d[len(h)], len(r)


def make_batches(lens, max_frames, max_utts, rng):
    order = sorted(range(len(lens)), key=lambda i: (lens[i], i))
    batches, cur, cur_max = [], [], 0
    for i in order:
        nm = max(cur_max, lens[i])
        if cur and (nm * (len(cur) + 1) > max_frames or len(cur) >= max_utts):
            batches.append(cur)
            cur, nm = [], lens[i]
        cur.append(i)
        cur_max = nm
    if cur:
        batches.append(cur)
    rng.shuffle(batches)
    return batches


def non_speech(f, frames, quiet=None):
    """`frames` frames of non-speech after utterance features `f` [T, 128]: the constant frame
    `quiet` (digital silence), or frames drawn from the utterance's own trailing noise floor."""
    if quiet is not None:
        return quiet.expand(frames, -1)
    floor = f[-10:-1]
    return floor[torch.randint(0, floor.shape[0], (frames,))]


def digital_silence(f, rng):
    """A constant frame 1-4 standard deviations below the quietest of `f`'s noise floor."""
    return f[-10:-1].min(0).values - rng.uniform(1.0, 4.0)


def standardise(g):
    return (g - g.mean(0)) / (g.std(0) + 1e-5)


def pad_with_silence(f, rng, max_seconds, digital_share=0.3):
    """Surround one utterance's features [T, 128] with 0..max_seconds of non-speech on each side.

    espeak utterances are almost all voice, while a stream or a long file has pauses; a model that
    never heard them breaks on them (and per-utterance normalisation shifts with them). The pad is
    made of the utterance's own trailing noise-floor frames, or of a constant frame below them (as
    digital silence is), and the whole is standardised per bin again: standardisation undoes any
    per-bin affine map, so this equals padding the waveform with that noise and computing the
    features afresh."""
    digital = rng.random() < digital_share
    quiet = digital_silence(f, rng)
    pre, post = (int(rng.uniform(0, max_seconds) * 100) for _ in range(2))
    pad = [non_speech(f, n, quiet if digital else None) for n in (pre, post)]
    return standardise(torch.cat([pad[0], f, pad[1]], 0))


def join_utterances(parts, rng, digital_share=0.5, max_pause=0.6):
    """One input of several utterances' features [T, 128], each pause between them 0.1-max_pause s
    of non-speech (as pad_with_silence makes it) after the previous one, standardised per bin again.

    A long file's windows hold several sentences with short pauses, and their normalisation
    spans all of them; a model trained on single sentences only lost words there."""
    pieces = [parts[0]]
    for prev, nxt in zip(parts, parts[1:]):
        frames = int(rng.uniform(0.1, max_pause) * 100)
        quiet = digital_silence(prev, rng) if rng.random() < digital_share else None
        pieces += [non_speech(prev, frames, quiet), nxt]
    return standardise(torch.cat(pieces, 0))


def start_process(rank, args):
    """One training process's threads, process group and seeds; returns its random generator."""
    torch.set_num_threads(args.threads)
    # Most of the transducer loss's gradient over the joint tensor is denormal floats, which
    # made the joint's backward matrix products ten times slower than the same products on
    # normal numbers; flushing them to zero changes no result that matters.
    torch.set_flush_denormal(True)
    if args.world > 1:
        dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{args.port}",
                                rank=rank, world_size=args.world)
    torch.manual_seed(args.seed + rank)
    return random.Random(args.seed + rank)


def load_shards(work, loaded, data, world):
    """Extends each list of `data` with the same key's list of every feature shard not in `loaded`.
    Shards are read again at every epoch, so training can start while synth.py is still writing
    the later ones."""
    paths = sorted(glob.glob(os.path.join(work, "train", "feats_*.pt")))
    count = torch.tensor([len(paths)])
    if world > 1:  # every rank must build the same batches
        dist.broadcast(count, 0)
    for p in paths[: int(count)]:
        if p not in loaded:
            loaded.add(p)
            d = torch.load(p)
            for key, values in data.items():
                values.extend(d[key])


def elapsed_seconds(t0, world):
    """Seconds since t0 on the slowest rank, so that every rank stops at the same batch."""
    elapsed = torch.tensor([time.time() - t0])
    if world > 1:
        dist.all_reduce(elapsed, op=dist.ReduceOp.MAX)
    return float(elapsed)


def learning_rate(args, step, elapsed, budget):
    """Cosine decay over the wall-clock budget to 3 % of --lr, after a linear warmup of --warmup steps."""
    lr = args.lr * (0.03 + 0.97 * 0.5 * (1 + math.cos(math.pi * min(1.0, elapsed / budget))))
    if step < args.warmup:
        lr *= (step + 1) / args.warmup
    return lr


def optimizer_step(opt, params, loss, world):
    """Backward, gradients averaged over the ranks, clipped, one optimizer step."""
    opt.zero_grad()
    loss.backward()
    if world > 1:
        for prm in params:
            if prm.grad is not None:
                dist.all_reduce(prm.grad)
                prm.grad /= world
    torch.nn.utils.clip_grad_norm_(params, 5.0)
    opt.step()


def feature_batch(feats, rng=None, specaug=False, time_masks=2):
    """Inputs' features [T, 128] -> a zero-padded batch [B, 128, T_max] and the lengths. SpecAugment
    (specaug): two frequency masks and `time_masks` time masks on each input."""
    x = torch.zeros(len(feats), 128, max(f.shape[0] for f in feats))
    lens = torch.zeros(len(feats), dtype=torch.long)
    for b, f in enumerate(feats):
        f = f.t()
        t = f.shape[1]
        if specaug:
            f = f.clone()
            for _ in range(2):
                w = rng.randint(0, 15)
                s = rng.randint(0, 128 - w)
                f[s:s + w] = 0
            for _ in range(time_masks):
                w = rng.randint(0, min(25, t // 20))
                s = rng.randint(0, t - w)
                f[:, s:s + w] = 0
        x[b, :, :t] = f
        lens[b] = t
    return x, lens


def collate(feats, texts, idx, rng=None, specaug=False, time_masks=2, silence=(0.0, 0.0), join=1):
    """silence = (share of utterances padded with non-speech, most seconds on each side);
    join = how many neighbouring utterances make one input (texts joined likewise)."""
    share, max_seconds = silence
    padded = [pad_with_silence(feats[i].float(), rng, max_seconds)
              if rng is not None and share > 0 and rng.random() < share else feats[i].float()
              for i in idx]
    groups = [list(range(k, min(len(idx), k + join))) for k in range(0, len(idx), join)]
    feats = [join_utterances([padded[j] for j in g], rng) if len(g) > 1 else padded[g[0]] for g in groups]
    texts = [" ".join(texts[idx[j]] for j in g) for g in groups]
    x, lens = feature_batch(feats, rng, specaug, time_masks)
    B = len(groups)
    ys = [M.encode_text(t) for t in texts]
    U = max(1, max(len(y) for y in ys))
    y = torch.zeros(B, U, dtype=torch.long)
    ylen = torch.zeros(B, dtype=torch.long)
    for b in range(B):
        y[b, :len(ys[b])] = torch.tensor(ys[b])
        ylen[b] = len(ys[b])
    return x, lens, y, ylen


def run(rank, args):
    rng = start_process(rank, args)

    # The dev set is the head of the first shard.
    loaded, feats, texts = set(), [], []
    shards = {"feats": feats, "texts": texts}
    load_shards(args.work, loaded, shards, args.world)
    dev_f, dev_t = feats[:args.n_dev], texts[:args.n_dev]
    lead = rank == 0

    V = len(M.VOCAB)
    cfg = {"d": args.d, "layers": args.layers, "vocab": V}
    prior_steps = prior_seconds = 0
    if args.init:
        ck = torch.load(args.init)
        cfg = ck["cfg"]
        prior_steps, prior_seconds = ck["step"], ck["train_seconds"]
    net = M.Transducer(vocab=cfg["vocab"], d=cfg["d"], layers=cfg["layers"])
    ctc_head = torch.nn.Linear(net.encoder.d, V)
    if args.init:
        net.load_state_dict(ck["model"])
        ctc_head.load_state_dict(ck["ctc"])
    for mod in net.modules():
        if isinstance(mod, torch.nn.Dropout):
            mod.p = 0.0
    params = list(net.parameters()) + list(ctc_head.parameters())
    nparam = sum(p.numel() for p in net.parameters())
    if lead:
        print("params", nparam, "vocab", V, flush=True)
    opt = torch.optim.AdamW(params, lr=args.lr, betas=(0.9, 0.98), weight_decay=1e-3)
    budget = args.minutes * 60
    os.makedirs(os.path.join(args.work, "ckpt"), exist_ok=True)

    def save(name, step):
        torch.save({"model": net.state_dict(), "ctc": ctc_head.state_dict(), "cfg": cfg,
                    "step": prior_steps + step, "params": nparam,
                    "train_seconds": prior_seconds + time.time() - t0},
                   os.path.join(args.work, "ckpt", name))

    def ctc_greedy(x, l):
        enc, el = net.encoder(x, l)
        best = ctc_head(enc.transpose(1, 2)).argmax(-1)
        hyps = []
        for b in range(best.shape[0]):
            seq = best[b, : int(el[b])].tolist()
            hyps.append([k for j, k in enumerate(seq) if k != net.blank and (j == 0 or seq[j - 1] != k)])
        return hyps

    @torch.no_grad()
    def dev_wer(n, decode, silence=(0.0, 0.0)):
        net.eval()
        errs = words = 0
        pad_rng = random.Random(5)  # the same pads at every evaluation
        for s in range(0, n, 20):
            idx = list(range(s, min(n, s + 20)))
            x, l, _, _ = collate(dev_f, dev_t, idx, pad_rng, silence=silence)
            for i, h in zip(idx, decode(x, l)):
                e, w = wer_counts(dev_t[i], M.decode_ids(h))
                errs += e
                words += w
        net.train()
        return 100.0 * errs / words

    t0 = time.time()
    step, epoch, la = 0, 0, None
    done = False
    while not done:
        load_shards(args.work, loaded, shards, args.world)
        train_f, train_t = feats[args.n_dev:], texts[args.n_dev:]
        lens = [f.shape[0] for f in train_f]
        if lead:
            print(f"epoch {epoch}: {len(train_f)} utts, {sum(lens) / 360000:.2f} h", flush=True)
        # Its own generator: the ranks' augmentation draws differ, and their batch orders must not.
        batches = make_batches(lens, args.max_frames, args.max_utts, random.Random(args.seed + epoch))
        batches = batches[: len(batches) // args.world * args.world][rank::args.world]
        for bidx in batches:
            elapsed = elapsed_seconds(t0, args.world)
            if elapsed > budget:
                done = True
                break
            lr = learning_rate(args, step, elapsed, budget)
            for g in opt.param_groups:
                g["lr"] = lr
            join = rng.choice((2, 3)) if rng.random() < args.join_share else 1
            x, l, y, yl = collate(train_f, train_t, bidx, rng, specaug=True, time_masks=args.time_masks,
                                  silence=(args.silence_share, args.silence_seconds), join=join)
            B = x.shape[0]
            enc, el = net.encoder(x, l)
            et = enc.transpose(1, 2)
            # The joint tensor (B x T x U x V) costs most of a step, so the transducer
            # loss takes a random part of the batch and CTC all of it.
            # A joined input costs join^2 times a single one there, so take 1/join as many.
            sub = torch.randperm(B)[: max(1, args.rnnt_utts // join)]
            ys, yls, els = y[sub, : int(yl[sub].max())], yl[sub], el[sub]
            es = et[sub, : int(els.max())]
            p, _ = net.predictor(torch.cat([torch.full((len(sub), 1), net.blank), ys], 1))
            logits = net.joint(es[:, :, None], p[:, None])
            rnnt = torchaudio.functional.rnnt_loss(logits, ys.int(), els.int(), yls.int(),
                                                   blank=net.blank, reduction="mean")
            lp = torch.log_softmax(ctc_head(et), -1).transpose(0, 1)
            ctc = torch.nn.functional.ctc_loss(lp, y, el, yl, blank=net.blank,
                                               reduction="sum", zero_infinity=True) / B
            optimizer_step(opt, params, rnnt + args.ctc * ctc, args.world)
            step += 1
            per_tok = torch.tensor([float(rnnt) / max(1.0, float(yls.float().mean())),
                                    float(ctc) / max(1.0, float(yl.float().mean()))])
            la = per_tok if la is None else 0.95 * la + 0.05 * per_tok
            if lead and step % 20 == 0:
                print(f"step {step} ep {epoch} rnnt/tok {la[0]:.3f} ctc/tok {la[1]:.3f} lr {lr:.2e} "
                      f"min {(time.time() - t0) / 60:.1f}", flush=True)
            if lead and step % 100 == 0:
                save("last.pt", step)
            if lead and step % 250 == 0:
                print(f"step {step} dev CTC WER ({args.n_dev} utts) {dev_wer(args.n_dev, ctc_greedy):.1f}%", flush=True)
        epoch += 1
    if lead:
        save(args.out_name, step)
        print(f"done step {prior_steps + step} minutes {(time.time() - t0) / 60:.1f} "
              f"dev WER ({args.n_dev} utts) transducer {dev_wer(args.n_dev, net.greedy):.1f}% "
              f"CTC {dev_wer(args.n_dev, ctc_greedy):.1f}%; with up to 2 s of non-speech around every "
              f"utterance, transducer {dev_wer(args.n_dev, net.greedy, (1.0, 2.0)):.1f}%", flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", required=True)
    ap.add_argument("--init", help="checkpoint to continue from (its model size wins)")
    ap.add_argument("--out-name", default="final.pt")
    ap.add_argument("--minutes", type=float, required=True, help="wall-clock budget; the LR schedule follows it")
    ap.add_argument("--world", type=int, default=1, help="processes (one core each)")
    ap.add_argument("--threads", type=int, default=1, help="intra-op threads per process")
    ap.add_argument("--port", type=int, default=29517)
    ap.add_argument("--max-frames", type=int, default=12000)
    ap.add_argument("--max-utts", type=int, default=64)
    ap.add_argument("--lr", type=float, default=1.5e-3)
    ap.add_argument("--warmup", type=int, default=100)
    ap.add_argument("--ctc", type=float, default=0.5)
    ap.add_argument("--time-masks", type=int, default=2,
                    help="SpecAugment time masks per utterance (they can hide a whole short word)")
    ap.add_argument("--silence-share", type=float, default=0.0,
                    help="share of utterances surrounded by non-speech (see pad_with_silence)")
    ap.add_argument("--silence-seconds", type=float, default=2.0, help="most non-speech on each side")
    ap.add_argument("--join-share", type=float, default=0.0,
                    help="share of batches whose neighbouring utterances are joined by twos or threes")
    ap.add_argument("--rnnt-utts", type=int, default=8, help="utterances per batch for the transducer loss")
    ap.add_argument("--d", type=int, default=256)
    ap.add_argument("--layers", type=int, default=8)
    ap.add_argument("--n-dev", type=int, default=120)
    ap.add_argument("--seed", type=int, default=11)
    args = ap.parse_args()
    if args.world > 1:
        mp.spawn(run, args=(args,), nprocs=args.world)
    else:
        run(0, args)


if __name__ == "__main__":
    main()
