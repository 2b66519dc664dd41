"""Greedy-decode a wav list with the PyTorch checkpoint (same front end module
as the ONNX export), to cross-check the ONNX decoding in score-onnx.mjs."""
import argparse
import os
import sys
import wave

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import model as M  # noqa: E402
from features import MelFrontend  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ckpt", required=True)
    ap.add_argument("--wav-dir", required=True)
    ap.add_argument("--list", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--limit", type=int, default=0)
    args = ap.parse_args()
    torch.set_num_threads(2)
    net = M.from_checkpoint(torch.load(args.ckpt))
    net.eval()
    front = MelFrontend().eval()
    lines = [l.split("\t") for l in open(args.list).read().splitlines() if l.strip()]
    if args.limit:
        lines = lines[:args.limit]
    with open(args.out, "w") as f, torch.no_grad():
        for uid, rel in lines:
            with wave.open(os.path.join(args.wav_dir, rel)) as w:
                x = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16)
            x = torch.from_numpy(x.astype(np.float32) / 32768.0)[None]
            feats, fl = front(x, torch.tensor([x.shape[1]]))
            hyp = net.greedy(feats, fl)[0]
            f.write(f"{M.decode_ids(hyp)} ({uid})\n")


if __name__ == "__main__":
    main()
