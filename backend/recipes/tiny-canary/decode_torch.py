"""Greedy-decode a wav list with the PyTorch checkpoint (the front end module the ONNX front end was
exported from), to cross-check the engine's decoding of the exported ONNX files."""
import argparse
import os
import sys
import wave

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import aed  # noqa: E402
import lexicon as L  # noqa: E402

features = L.tiny_en_module("features")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ckpt", required=True)
    ap.add_argument("--wav-dir", required=True)
    ap.add_argument("--list", required=True)
    ap.add_argument("--language", required=True)
    ap.add_argument("--target-language", required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    torch.set_num_threads(1)
    net = aed.from_checkpoint(torch.load(args.ckpt)).eval()
    front = features.MelFrontend().eval()
    prompt = torch.tensor([L.prompt(args.language, args.target_language)])
    lines = [line.split("\t") for line in open(args.list).read().splitlines() if line.strip()]
    with open(args.out, "w") as f, torch.no_grad():
        for uid, rel in lines:
            with wave.open(os.path.join(args.wav_dir, rel)) as w:
                x = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16)
            x = torch.from_numpy(x.astype(np.float32) / 32768.0)[None]
            feats, fl = front(x, torch.tensor([x.shape[1]]))
            hyp = net.greedy(feats, fl, prompt)[0]
            f.write(f"{L.decode_ids(hyp)} ({uid})\n")


if __name__ == "__main__":
    main()
