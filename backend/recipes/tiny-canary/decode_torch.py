"""Greedy-decode a wav list with the PyTorch checkpoint (the front end module the ONNX front end was
exported from), to cross-check the engine's decoding of the exported ONNX files."""
import argparse
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import aed  # noqa: E402
import lexicon as L  # noqa: E402

tiny_decode = L.tiny_en_module("decode_torch")


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
    prompt = torch.tensor([L.prompt(args.language, args.target_language)])
    tiny_decode.decode_list(args.wav_dir, args.list, args.out, lambda feats, lens: net.greedy(feats, lens, prompt),
                            L.decode_ids)


if __name__ == "__main__":
    main()
