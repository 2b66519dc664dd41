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


def collate(feats, texts, idx, rng=None, specaug=False):
    T = max(feats[i].shape[0] for i in idx)
    B = len(idx)
    x = torch.zeros(B, 128, T)
    lens = torch.zeros(B, dtype=torch.long)
    ys = [M.encode_text(texts[i]) for i in idx]
    U = max(1, max(len(y) for y in ys))
    y = torch.zeros(B, U, dtype=torch.long)
    ylen = torch.zeros(B, dtype=torch.long)
    for b, i in enumerate(idx):
        f = feats[i].float().t()
        t = f.shape[1]
        if specaug:
            f = f.clone()
            for _ in range(2):
                w = rng.randint(0, 12)
                s = rng.randint(0, 128 - w)
                f[s:s + w] = 0
            for _ in range(2):
                w = rng.randint(0, min(20, t // 20))
                s = rng.randint(0, t - w)
                f[:, s:s + w] = 0
        x[b, :, :t] = f
        lens[b] = t
        y[b, :len(ys[b])] = torch.tensor(ys[b])
        ylen[b] = len(ys[b])
    return x, lens, y, ylen


def run(rank, args):
    torch.set_num_threads(1)
    if args.world > 1:
        dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{args.port}",
                                rank=rank, world_size=args.world)
    torch.manual_seed(args.seed + rank)
    rng = random.Random(args.seed)  # same batch order on every rank

    feats, texts = [], []
    for p in sorted(glob.glob(os.path.join(args.work, "train", "feats_*.pt"))):
        d = torch.load(p)
        feats += d["feats"]
        texts += d["texts"]
    dev_f, dev_t = feats[-args.n_dev:], texts[-args.n_dev:]
    feats, texts = feats[:-args.n_dev], texts[:-args.n_dev]
    lens = [f.shape[0] for f in feats]
    lead = rank == 0
    if lead:
        print(f"train utts {len(feats)} hours {sum(lens) / 360000:.2f} dev {len(dev_f)}", flush=True)

    V = len(M.VOCAB)
    cfg = {"d": args.d, "layers": args.layers, "vocab": V}
    prior_steps = prior_seconds = 0
    if args.init:
        ck = torch.load(args.init)
        cfg = ck["cfg"]
        prior_steps, prior_seconds = ck["step"], ck["train_seconds"]
    net = M.Transducer(vocab=cfg["vocab"], d=cfg["d"], layers=cfg["layers"])
    # Two CTC frames per encoder frame: x8 subsampling gives ~12.5 frames/s, about the
    # character rate of speech, which plain CTC could not always fit.
    ctc_head = torch.nn.Linear(net.encoder.d, 2 * V)
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

    def dev_wer(n):
        net.eval()
        errs = words = 0
        for s in range(0, n, 20):
            idx = list(range(s, min(n, s + 20)))
            x, l, _, _ = collate(dev_f, dev_t, idx)
            for i, h in zip(idx, net.greedy(x, l)):
                e, w = wer_counts(dev_t[i], M.decode_ids(h))
                errs += e
                words += w
        net.train()
        return 100.0 * errs / words

    t0 = time.time()
    step, epoch, la = 0, 0, None
    done = False
    while not done:
        batches = make_batches(lens, args.max_frames, args.max_utts, rng)
        batches = batches[: len(batches) // args.world * args.world][rank::args.world]
        for bidx in batches:
            elapsed = torch.tensor([time.time() - t0])
            if args.world > 1:
                dist.all_reduce(elapsed, op=dist.ReduceOp.MAX)
            if float(elapsed) > budget:
                done = True
                break
            lr = args.lr * (0.03 + 0.97 * 0.5 * (1 + math.cos(math.pi * min(1.0, float(elapsed) / budget))))
            if step < args.warmup:
                lr *= (step + 1) / args.warmup
            for g in opt.param_groups:
                g["lr"] = lr
            x, l, y, yl = collate(feats, texts, bidx, rng, specaug=True)
            B = len(bidx)
            enc, el = net.encoder(x, l)
            p, _ = net.predictor(torch.cat([torch.full((B, 1), net.blank), y], 1))
            et = enc.transpose(1, 2)
            logits = net.joint(et[:, :, None], p[:, None])
            rnnt = torchaudio.functional.rnnt_loss(logits, y.int(), el.int(), yl.int(),
                                                   blank=net.blank, reduction="mean")
            lp = torch.log_softmax(ctc_head(et).reshape(B, et.shape[1] * 2, V), -1).transpose(0, 1)
            ctc = torch.nn.functional.ctc_loss(lp, y, el * 2, yl, blank=net.blank,
                                               reduction="sum", zero_infinity=True) / B
            opt.zero_grad()
            (rnnt + args.ctc * ctc).backward()
            if args.world > 1:
                for prm in params:
                    if prm.grad is not None:
                        dist.all_reduce(prm.grad)
                        prm.grad /= args.world
            torch.nn.utils.clip_grad_norm_(params, 5.0)
            opt.step()
            step += 1
            per_tok = float(rnnt) / max(1.0, float(yl.float().mean()))
            la = per_tok if la is None else 0.95 * la + 0.05 * per_tok
            if lead and step % 10 == 0:
                print(f"step {step} ep {epoch} rnnt/tok {la:.3f} lr {lr:.2e} "
                      f"min {(time.time() - t0) / 60:.1f}", flush=True)
            if lead and step % 100 == 0:
                save("last.pt", step)
            if lead and step % 200 == 0:
                print(f"step {step} dev WER (40 utts) {dev_wer(40):.1f}%", flush=True)
        epoch += 1
    if lead:
        save(args.out_name, step)
        print(f"done step {prior_steps + step} minutes {(time.time() - t0) / 60:.1f} "
              f"dev WER ({args.n_dev} utts) {dev_wer(args.n_dev):.1f}%", flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", required=True)
    ap.add_argument("--init", help="checkpoint to continue from (its model size wins)")
    ap.add_argument("--out-name", default="final.pt")
    ap.add_argument("--minutes", type=float, required=True, help="wall-clock budget; the LR schedule follows it")
    ap.add_argument("--world", type=int, default=1, help="processes (one core each)")
    ap.add_argument("--port", type=int, default=29517)
    ap.add_argument("--max-frames", type=int, default=4800)
    ap.add_argument("--max-utts", type=int, default=32)
    ap.add_argument("--lr", type=float, default=1.5e-3)
    ap.add_argument("--warmup", type=int, default=100)
    ap.add_argument("--ctc", type=float, default=0.3)
    ap.add_argument("--d", type=int, default=192)
    ap.add_argument("--layers", type=int, default=6)
    ap.add_argument("--n-dev", type=int, default=120)
    ap.add_argument("--seed", type=int, default=11)
    args = ap.parse_args()
    if args.world > 1:
        mp.spawn(run, args=(args,), nprocs=args.world)
    else:
        run(0, args)


if __name__ == "__main__":
    main()
