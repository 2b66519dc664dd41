"""Write the checkpoint the model is exported from (to the work folder, not committed): the weights
(model and CTC head) rounded to float16, which halves its size, with the model's shape and training
history. The export and the PyTorch cross-check read these very weights, so the exported model and
the checkpoint agree exactly; training continues from them in float32."""
import argparse

import torch


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ckpt", required=True, help="a training checkpoint (ckpt/final.pt)")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    ck = torch.load(args.ckpt)
    half = {k: (v.half() if v.is_floating_point() else v) for k, v in ck["model"].items()}
    ctc = {k: v.half() for k, v in ck["ctc"].items()}
    torch.save({**ck, "model": half, "ctc": ctc}, args.out)


if __name__ == "__main__":
    main()
