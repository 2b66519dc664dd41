"""Train the tiny-en transducer (plain RNN-T loss) on cached features."""
import argparse
import glob
import math
import os
import random
import sys
import time

import torch
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
    U = max(len(y) for y in ys)
    y = torch.zeros(B, U, dtype=torch.long)
    ylen = torch.zeros(B, dtype=torch.long)
    for b, i in enumerate(idx):
        f = feats[i].float().t()
        t = f.shape[1]
        if specaug:
            f = f.clone()
            for _ in range(2):
                w = rng.randint(0, 15)
                s = rng.randint(0, 128 - w)
                f[s:s + w] = 0
            for _ in range(2):
                w = rng.randint(0, min(10, t // 10))
                s = rng.randint(0, t - w)
                f[:, s:s + w] = 0
        x[b, :, :t] = f
        lens[b] = t
        y[b, :len(ys[b])] = torch.tensor(ys[b])
        ylen[b] = len(ys[b])
    return x, lens, y, ylen


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", required=True)
    ap.add_argument("--steps", type=int, default=1000)
    ap.add_argument("--max-frames", type=int, default=4800)
    ap.add_argument("--max-utts", type=int, default=24)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--warmup", type=int, default=150)
    ap.add_argument("--max-minutes", type=float, default=55)
    ap.add_argument("--n-dev", type=int, default=120)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--ctc", type=float, default=1.0, help="weight of auxiliary word-CTC loss")
    ap.add_argument("--init", default="", help="warm start from this checkpoint")
    ap.add_argument("--stop-at", type=int, default=0, help="stop after this many steps")
    ap.add_argument("--out-name", default="final.pt")
    ap.add_argument("--dropout", type=float, default=0.0)
    ap.add_argument("--specaug", type=int, default=0)
    args = ap.parse_args()
    torch.set_num_threads(2)
    torch.manual_seed(args.seed)
    rng = random.Random(args.seed)

    feats, texts = [], []
    for p in sorted(glob.glob(os.path.join(args.work, "train", "feats_*.pt"))):
        d = torch.load(p)
        feats += d["feats"]
        texts += d["texts"]
    dev_f, dev_t = feats[-args.n_dev:], texts[-args.n_dev:]
    feats, texts = feats[:-args.n_dev], texts[:-args.n_dev]
    lens = [f.shape[0] for f in feats]
    print(f"train utts {len(feats)}  hours {sum(lens) / 360000:.2f}  dev {len(dev_f)}", flush=True)

    net = M.Transducer()
    ctc_head = torch.nn.Linear(net.encoder.d, net.vocab)  # training-only auxiliary head
    if args.init:
        ck = torch.load(args.init)
        net.load_state_dict(ck["model"])
        if "ctc" in ck:
            ctc_head.load_state_dict(ck["ctc"])
        print("warm start from", os.path.basename(args.init), "step", ck.get("step"), flush=True)
    for mod in net.modules():
        if isinstance(mod, torch.nn.Dropout):
            mod.p = args.dropout
    nparam = sum(p.numel() for p in net.parameters())
    print("params", nparam, flush=True)
    opt = torch.optim.AdamW(list(net.parameters()) + list(ctc_head.parameters()), lr=args.lr, betas=(0.9, 0.98), weight_decay=1e-3)

    def lr_at(step):
        if step < args.warmup:
            return args.lr * (step + 1) / args.warmup
        prog = (step - args.warmup) / max(1, args.steps - args.warmup)
        return args.lr * (0.03 + 0.97 * 0.5 * (1 + math.cos(math.pi * min(1.0, prog))))

    ckdir = os.path.join(args.work, "ckpt")
    os.makedirs(ckdir, exist_ok=True)

    def save(name, step):
        torch.save({"model": net.state_dict(), "ctc": ctc_head.state_dict(), "step": step, "params": nparam,
                    "train_seconds": time.time() - t0}, os.path.join(ckdir, name))

    def dev_wer(n=60):
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
    step = 0
    epoch = 0
    loss_avg = None
    done = False
    while not done:
        batches = make_batches(lens, args.max_frames, args.max_utts, rng)
        for bidx in batches:
            for g in opt.param_groups:
                g["lr"] = lr_at(step)
            x, l, y, yl = collate(feats, texts, bidx, rng, specaug=bool(args.specaug))
            enc, el = net.encoder(x, l)
            pred_in = torch.cat([torch.full((len(bidx), 1), M.BLANK), y], 1)
            p, _ = net.predictor(pred_in)
            logits = net.joint(enc.transpose(1, 2)[:, :, None], p[:, None])
            loss = torchaudio.functional.rnnt_loss(
                logits, y.int(), el.int(), yl.int(), blank=M.BLANK, reduction="mean")
            rnnt_v = float(loss)
            if args.ctc > 0:
                lp = torch.log_softmax(ctc_head(enc.transpose(1, 2)), -1).transpose(0, 1)
                ctc = torch.nn.functional.ctc_loss(lp, y, el, yl, blank=M.BLANK,
                                                   reduction="sum", zero_infinity=True)
                loss = loss + args.ctc * ctc / len(bidx)
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(net.parameters(), 5.0)
            opt.step()
            step += 1
            lv = rnnt_v / max(1.0, float(yl.float().mean()))
            loss_avg = lv if loss_avg is None else 0.98 * loss_avg + 0.02 * lv
            el_min = (time.time() - t0) / 60
            cv = float(ctc) / len(bidx) / float(yl.float().mean()) if args.ctc > 0 else 0.0
            ctc_avg = cv if step == 1 else 0.98 * ctc_avg + 0.02 * cv
            if step % 20 == 0:
                print(f"step {step} ep {epoch} loss/tok {loss_avg:.3f} ctc/tok {ctc_avg:.3f} lr {lr_at(step):.2e} "
                      f"min {el_min:.1f}", flush=True)
            if step % 100 == 0:
                save("last.pt", step)
                print(f"step {step} dev WER {dev_wer():.1f}%", flush=True)
            if step >= args.steps or el_min > args.max_minutes or step == args.stop_at:
                done = True
                break
        epoch += 1
    save(args.out_name, step)
    print(f"done step {step} minutes {(time.time() - t0) / 60:.1f} dev WER {dev_wer(args.n_dev):.1f}%",
          flush=True)


if __name__ == "__main__":
    main()
