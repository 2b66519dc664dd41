"""Train tiny-canary on the cached features: cross-entropy on the decoder's pieces after the canary2
prompt (transcription: source and target language the same; translation: the other language's
word-by-word text), plus an auxiliary CTC loss on the encoder over the spoken words (not exported),
plus a loss on where the decoder's cross-attention listens: at the frames of the word it writes, as
the CTC head aligns them. Without it the decoder spent hundreds of steps as a language model that
ignored the audio, and a prior towards the diagonal alone did not teach it either.
The encoder starts from tiny-en's trained weights. With --world 2 two processes (one core each)
take alternate batches and average gradients."""
import argparse
import os
import random
import sys
import time

import numpy as np
import torch
import torch.multiprocessing as mp
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import aed  # noqa: E402
import lexicon as L  # noqa: E402

tiny_train = L.tiny_en_module("train")  # processes, shards, batching, non-speech, joining, LR, steps, WER
N_MELS = L.tiny_en_module("features").N_MELS


def collate(data, idx, rng, tasks, join=1, silence=(0.0, 0.0), empty_share=0.0, specaug=False, max_pause=0.6):
    """One batch. `tasks[g]` is "transcribe" or "translate" for input g; inputs join `join`
    neighbouring utterances (all of one language). Returns features, lengths, decoder input,
    labels (-100 where no loss), CTC targets and lengths, each input's (source, target) text, and
    its words as (the decoder position that writes the first piece, each word's pieces spoken,
    each word's pieces written), None where nothing is said."""
    share, max_seconds = silence
    feats = [tiny_train.pad_with_silence(data["feats"][i].float(), rng, max_seconds)
             if share > 0 and rng.random() < share else data["feats"][i].float() for i in idx]
    groups = [list(range(k, min(len(idx), k + join))) for k in range(0, len(idx), join)]
    inputs, texts, spoken = [], [], []
    for g, task in zip(groups, tasks):
        lang = data["langs"][idx[g[0]]]
        words = [w for j in g for w in data["words"][idx[j]]]
        f = tiny_train.join_utterances([feats[j] for j in g], rng, max_pause=max_pause) if len(g) > 1 else feats[g[0]]
        if rng.random() < empty_share:
            # Non-speech alone (the utterance's noise floor or digital silence): nothing to write.
            frames = int(rng.uniform(0.5, 3.0) * 100)
            quiet = tiny_train.digital_silence(f, rng) if rng.random() < 0.5 else None
            f = tiny_train.standardise(tiny_train.non_speech(f, frames, quiet) + 0.05 * torch.randn(frames, N_MELS))
            words = []
        target = lang if task == "transcribe" else L.other(lang)
        spoken.append((lang, target, words))
        inputs.append(f)
        texts.append((lang, target, L.sentence_text(words, lang), L.sentence_text(words, target)))
    B = len(inputs)
    x, lens = tiny_train.feature_batch(inputs, rng, specaug, time_masks=0)  # a time mask can hide a short word
    seqs = [(L.prompt(src, tgt), L.encode_text(tgt_text)) for src, tgt, _, tgt_text in texts]
    n = max(len(p) + len(t) for p, t in seqs)
    dec_in = torch.full((B, n), L.PAD, dtype=torch.long)
    labels = torch.full((B, n), -100, dtype=torch.long)
    for b, (p, t) in enumerate(seqs):
        dec_in[b, :len(p) + len(t)] = torch.tensor(p + t)
        labels[b, len(p) - 1:len(p) + len(t)] = torch.tensor(t + [L.EOS])
    src = [L.encode_text(s) for _, _, s, _ in texts]
    ctc_y = torch.zeros(B, max(1, max(len(s) for s in src)), dtype=torch.long)
    ctc_len = torch.tensor([len(s) for s in src])
    for b, s in enumerate(src):
        ctc_y[b, :len(s)] = torch.tensor(s, dtype=torch.long)
    words = [(len(p) - 1, piece_counts(ws, lang), piece_counts(ws, target)) if ws else None
             for (p, _), (lang, target, ws) in zip(seqs, spoken)]
    return x, lens, dec_in, labels, ctc_y, ctc_len, texts, words


# How many pieces each listed word is written with (pieces never cross a word).
PIECES = {lang: [len(L.encode_text(w)) for w in L.WORDS[lang]] for lang in L.LANGS}


def piece_counts(words, lang):
    return [PIECES[lang][w] for w in words]


def ctc_path(lp, target, blank):
    """The most likely CTC path of `target` (token ids) through log-probabilities lp [T, C] -> each
    token's (first, last) frame on it, or None where the frames cannot hold the tokens."""
    T, U = lp.shape[0], len(target)
    ext = [blank] * (2 * U + 1)
    ext[1::2] = target
    S = len(ext)
    emit = lp[:, ext].numpy()
    skip = np.array([s % 2 == 1 and s >= 2 and ext[s] != ext[s - 2] for s in range(S)])
    alpha = np.full(S, -1e30)
    alpha[:2] = emit[0, :2]
    back = np.zeros((T, S), dtype=np.int64)
    for t in range(1, T):
        prev1 = np.concatenate([[-1e30], alpha[:-1]])
        prev2 = np.where(skip, np.concatenate([[-1e30, -1e30], alpha[:-2]]), -1e30)
        stacked = np.stack([alpha, prev1, prev2])
        back[t] = stacked.argmax(0)
        alpha = stacked.max(0) + emit[t]
    s = S - 1 if S == 1 or alpha[S - 1] >= alpha[S - 2] else S - 2
    if alpha[s] < -1e29:
        return None
    spans = [[None, None] for _ in range(U)]
    for t in range(T - 1, -1, -1):
        if s % 2 == 1:
            k = s // 2
            spans[k][0] = t
            spans[k][1] = t if spans[k][1] is None else spans[k][1]
        s -= back[t, s]
    return spans


def attention_targets(lp, enc_lens, ctc_y, ctc_lens, words, n, frames, blank):
    """Where the decoder should listen, from the CTC head's alignment of the spoken words: each
    position that writes a word's pieces, the 80 ms frames of that word as spoken (the same word
    index in a translation: the corpus translates word by word), one frame either side; the
    position that writes EOS, the frames after the last word. -> allowed [B, n, frames] bool and
    the positions that have a target [B, n] bool."""
    B = lp.shape[0]
    allowed = torch.zeros(B, n, frames, dtype=torch.bool)
    rows = torch.zeros(B, n, dtype=torch.bool)
    for b, info in enumerate(words):
        if info is None:
            continue
        first, src_counts, tgt_counts = info
        path = ctc_path(lp[b, :int(enc_lens[b])], ctc_y[b, :int(ctc_lens[b])].tolist(), blank)
        if path is None:
            continue
        last = (int(enc_lens[b]) + 1) // 2 - 1
        pos, tok = first, 0
        for sc, tc in zip(src_counts, tgt_counts):
            start, end = path[tok][0], path[tok + sc - 1][1]
            tok += sc
            allowed[b, pos:pos + tc, max(0, start // 2 - 1):min(last, end // 2 + 1) + 1] = True
            rows[b, pos:pos + tc] = True
            pos += tc
        allowed[b, pos, min(last, end // 2 + 1):last + 1] = True
        rows[b, pos] = True
    return allowed, rows


def attention_loss(cross, allowed, rows):
    """-log of the attention weight (averaged over heads) on the allowed frames: the first layer's on
    the frames of the word its input token belongs to (the previous position's), every later
    layer's on those of the word being written. A decoder finds its place by the sound of the token
    it was given, then just after it; with a third layer, after where the second layer placed the
    previous words too, which keeps it on track after a wrong word."""
    if not bool(rows.any()):
        return torch.zeros(())

    def nll(weights, allowed, rows):
        mass = (weights.mean(1) * allowed).sum(-1)
        return -mass[rows].clamp_min(1e-6).log().mean()

    prev_allowed = torch.zeros_like(allowed)
    prev_allowed[:, 1:] = allowed[:, :-1]
    prev_rows = torch.zeros_like(rows)
    prev_rows[:, 1:] = rows[:, :-1] & rows[:, 1:]
    losses = [nll(w, allowed, rows) for w in cross[1:]]
    if bool(prev_rows.any()):
        losses.append(nll(cross[0], prev_allowed, prev_rows))
    return sum(losses) / len(losses)


def grow_decoder(net, layers):
    """The same model with `layers` decoder layers: the new ones go on top, each starting as the
    identity (the outputs of its attentions and feed-forward zeroed), so the model's output is
    unchanged until they learn."""
    cfg = {**net.cfg, "dec_layers": layers}
    grown = aed.Canary(**cfg)
    missing, unexpected = grown.load_state_dict(net.state_dict(), strict=False)
    assert not unexpected and all(k.startswith("decoder.layers.") for k in missing), (missing, unexpected)
    for layer in grown.decoder.layers[net.cfg["dec_layers"]:]:
        for lin in (layer.self_attn.o, layer.cross_attn.o, layer.ff[-1]):
            torch.nn.init.zeros_(lin.weight)
            torch.nn.init.zeros_(lin.bias)
    return grown


def run(rank, args):
    rng = tiny_train.start_process(rank, args)
    lead = rank == 0

    loaded, data = set(), {"feats": [], "langs": [], "words": []}
    tiny_train.load_shards(args.work, loaded, data, args.world)
    # The dev set: the first n_dev utterances of each language in the first shard, never trained on.
    dev = [i for lang in L.LANGS for i in [j for j, l in enumerate(data["langs"]) if l == lang][:args.n_dev]]
    dev_set = set(dev)

    prior_steps = prior_seconds = 0
    if args.init:
        ck = torch.load(args.init)
        net = aed.from_checkpoint(ck)
        if args.decoder_layers > net.cfg["dec_layers"]:
            net = grow_decoder(net, args.decoder_layers)
        ctc_head = torch.nn.Linear(net.cfg["d_enc"], net.cfg["vocab"] + 1)
        ctc_head.load_state_dict({k: v.float() for k, v in ck["ctc"].items()})
        prior_steps, prior_seconds = ck["step"], ck["train_seconds"]
    else:
        net = aed.Canary(dec_layers=args.decoder_layers)
        ctc_head = torch.nn.Linear(net.cfg["d_enc"], net.cfg["vocab"] + 1)
        enc = torch.load(args.encoder_from)["model"]
        net.encoder.load_state_dict({k[len("encoder."):]: v for k, v in enc.items() if k.startswith("encoder.")})
    blank = net.cfg["vocab"]
    # The subsampling convolutions keep tiny-en's weights (and BatchNorm statistics): they run at
    # the feature frame rate, so their backward pass would be most of a step's cost. So do all but the
    # last --train-blocks blocks: the backward pass then stops where training starts.
    frozen = [net.encoder.c1, net.encoder.bn1, net.encoder.c2, net.encoder.bn2,
              *net.encoder.blocks[:len(net.encoder.blocks) - args.train_blocks]]
    for mod in frozen:
        mod.requires_grad_(False)

    def train_mode():
        net.train()
        for mod in frozen:
            mod.eval()

    train_mode()
    enc_params = [p for p in net.encoder.parameters() if p.requires_grad]
    other_params = [p for n, p in net.named_parameters() if not n.startswith("encoder.")] + list(ctc_head.parameters())
    params = enc_params + other_params
    nparam = sum(p.numel() for p in net.parameters())
    if lead:
        print("params", nparam, "vocab", net.cfg["vocab"], flush=True)
    groups = [{"params": other_params, "scale": 1.0}]
    if enc_params:
        groups.append({"params": enc_params, "scale": args.encoder_lr_scale})
    opt = torch.optim.AdamW(groups,
                            lr=args.lr, betas=(0.9, 0.98), weight_decay=1e-3)
    budget = args.minutes * 60
    os.makedirs(os.path.join(args.work, "ckpt"), exist_ok=True)
    t0 = time.time()

    def save(name, step):
        torch.save({"model": net.state_dict(), "ctc": ctc_head.state_dict(), "cfg": net.cfg,
                    "step": prior_steps + step, "params": nparam,
                    "train_seconds": prior_seconds + time.time() - t0},
                   os.path.join(args.work, "ckpt", name))

    @torch.no_grad()
    def dev_wer(n, join=1):
        """Greedy WER on the dev utterances, per language and task (join > 1: that many joined)."""
        net.eval()
        drng = random.Random(5)
        scores = {}
        for lang in L.LANGS:
            idx = [i for i in dev if data["langs"][i] == lang][:n]
            for task in ("transcribe", "translate"):
                target = lang if task == "transcribe" else L.other(lang)
                errs = words = 0
                for s in range(0, len(idx), 20 * join):
                    part = idx[s:s + 20 * join]
                    groups = (len(part) + join - 1) // join
                    x, l, _, _, _, _, texts, _ = collate(data, part, drng, [task] * groups, join=join)
                    hyps = net.greedy(x, l, torch.tensor([L.prompt(lang, target)] * groups), max_tokens=40 * join)
                    for h, t in zip(hyps, texts):
                        e, w = tiny_train.wer_counts(t[3], L.decode_ids(h))
                        errs += e
                        words += w
                scores[f"{lang}>{target}"] = 100.0 * errs / max(1, words)
        train_mode()
        return " ".join(f"{k} {v:.1f}%" for k, v in scores.items())

    step, epoch, la = 0, 0, None
    done = False
    while not done:
        tiny_train.load_shards(args.work, loaded, data, args.world)
        train_idx = [i for i in range(len(data["feats"])) if i not in dev_set]
        batches = []
        brng = random.Random(args.seed + epoch)
        for lang in L.LANGS:
            sub = [i for i in train_idx if data["langs"][i] == lang]
            lens = [data["feats"][i].shape[0] for i in sub]
            batches += [[sub[j] for j in b] for b in tiny_train.make_batches(lens, args.max_frames, args.max_utts, brng)]
        brng.shuffle(batches)
        batches = batches[: len(batches) // args.world * args.world][rank::args.world]
        if lead:
            hours = sum(data["feats"][i].shape[0] for i in train_idx) / 360000
            print(f"epoch {epoch}: {len(train_idx)} utts, {hours:.2f} h", flush=True)
        for bidx in batches:
            elapsed = tiny_train.elapsed_seconds(t0, args.world)
            if elapsed > budget:
                done = True
                break
            lr = tiny_train.learning_rate(args, step, elapsed, budget)
            for g in opt.param_groups:
                g["lr"] = lr * g["scale"]
            join = rng.choice((2, 3)) if rng.random() < args.join_share else 1
            groups = (len(bidx) + join - 1) // join
            tasks = ["translate" if rng.random() < args.translate_share else "transcribe" for _ in range(groups)]
            x, l, dec_in, labels, cy, cl, _, words = collate(
                data, bidx, rng, tasks, join=join, silence=(args.silence_share, args.silence_seconds),
                empty_share=args.empty_share, specaug=True, max_pause=args.max_pause)
            enc, el, emb, mask = net.encode(x, l)
            cross = []
            logits, _ = net.decoder(dec_in, emb, mask, net.empty_mems(x.shape[0]), cross=cross)
            lp = torch.log_softmax(ctc_head(enc.transpose(1, 2)), -1)
            guide = torch.zeros(())
            if args.guide > 0:
                allowed, rows = attention_targets(lp.detach(), el, cy, cl, words, dec_in.shape[1], emb.shape[1], blank)
                guide = attention_loss(cross, allowed, rows)
            ce = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), labels.reshape(-1), ignore_index=-100,
                                 label_smoothing=args.smoothing)
            keep = cl > 0
            ctc = F.ctc_loss(lp.transpose(0, 1)[:, keep], cy[keep], el[keep], cl[keep], blank=blank, reduction="mean",
                             zero_infinity=True) if args.ctc > 0 and bool(keep.any()) else torch.zeros(())
            tiny_train.optimizer_step(opt, params, ce + args.ctc * ctc + args.guide * guide, args.world)
            step += 1
            cur = torch.tensor([float(ce), float(ctc), float(guide)])
            la = cur if la is None else 0.95 * la + 0.05 * cur
            if lead and step % 20 == 0:
                print(f"step {step} ep {epoch} ce {la[0]:.3f} ctc {la[1]:.3f} guide {la[2]:.3f} lr {lr:.2e} "
                      f"min {(time.time() - t0) / 60:.1f}", flush=True)
            if lead and step % 100 == 0:
                save("last.pt", step)
            if lead and step % args.snapshot_steps == 0:
                save(f"step{prior_steps + step:06d}.pt", step)
            if lead and step % args.dev_steps == 0:
                print(f"step {step} dev WER (20 utts each) {dev_wer(20)}", flush=True)
        epoch += 1
    if lead:
        save(args.out_name, step)
        print(f"done step {prior_steps + step} minutes {(time.time() - t0) / 60:.1f}\n"
              f"dev WER ({args.n_dev} utts each): {dev_wer(args.n_dev)}\n"
              f"dev WER, threes joined: {dev_wer(args.n_dev, join=3)}", flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", required=True)
    ap.add_argument("--encoder-from", help="tiny-en checkpoint whose encoder starts training")
    ap.add_argument("--init", help="tiny-canary checkpoint to continue from")
    ap.add_argument("--decoder-layers", type=int, default=2,
                    help="decoder layers; more than --init's grows its decoder (new layers on top)")
    ap.add_argument("--out-name", default="final.pt")
    ap.add_argument("--minutes", type=float, required=True, help="wall-clock budget; the LR schedule follows it")
    ap.add_argument("--world", type=int, default=1)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--port", type=int, default=29541)
    ap.add_argument("--max-frames", type=int, default=12000)
    ap.add_argument("--max-utts", type=int, default=64)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--encoder-lr-scale", type=float, default=0.5)
    ap.add_argument("--train-blocks", type=int, default=8, help="how many of the encoder's last blocks train")
    ap.add_argument("--warmup", type=int, default=200)
    ap.add_argument("--ctc", type=float, default=0.3)
    ap.add_argument("--guide", type=float, default=1.0, help="weight of the loss on where cross-attention listens")
    ap.add_argument("--smoothing", type=float, default=0.1)
    ap.add_argument("--translate-share", type=float, default=0.4)
    ap.add_argument("--join-share", type=float, default=0.2)
    ap.add_argument("--silence-share", type=float, default=0.3)
    ap.add_argument("--silence-seconds", type=float, default=1.5)
    ap.add_argument("--max-pause", type=float, default=0.6, help="longest pause between joined utterances, seconds")
    ap.add_argument("--empty-share", type=float, default=0.02)
    ap.add_argument("--n-dev", type=int, default=100)
    ap.add_argument("--dev-steps", type=int, default=300)
    ap.add_argument("--snapshot-steps", type=int, default=500)
    ap.add_argument("--seed", type=int, default=11)
    args = ap.parse_args()
    if not args.init and not args.encoder_from:
        ap.error("give --encoder-from (a tiny-en checkpoint) or --init")
    if args.world > 1:
        mp.spawn(run, args=(args,), nprocs=args.world)
    else:
        run(0, args)


if __name__ == "__main__":
    main()
