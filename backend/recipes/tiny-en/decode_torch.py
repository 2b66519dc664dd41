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


def decode_list(wav_dir, list_file, out, greedy, decode_ids, limit=0):
    """Writes a sclite trn line for every wav of a list ("<utt_id>\t<file relative to wav_dir>"
    lines): `decode_ids` of the first hypothesis `greedy(features, lengths)` gives for it."""
    front = MelFrontend().eval()
    lines = [l.split("\t") for l in open(list_file).read().splitlines() if l.strip()]
    if limit:
        lines = lines[:limit]
    with open(out, "w") as f, torch.no_grad():
        for uid, rel in lines:
            with wave.open(os.path.join(wav_dir, rel)) as w:
                x = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16)
            x = torch.from_numpy(x.astype(np.float32) / 32768.0)[None]
            feats, fl = front(x, torch.tensor([x.shape[1]]))
            f.write(f"{decode_ids(greedy(feats, fl)[0])} ({uid})\n")


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
    decode_list(args.wav_dir, args.list, args.out, net.greedy, M.decode_ids, args.limit)


if __name__ == "__main__":
    main()
