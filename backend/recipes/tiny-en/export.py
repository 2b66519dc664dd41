"""Export a trained checkpoint to the Parakeet-TDT ONNX layout used by onnx-asr:
nemo128.onnx, encoder-model.onnx, decoder_joint-model.onnx, vocab.txt, config.json."""
import argparse
import json
import os
import shutil
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import model as M  # noqa: E402
from features import MelFrontend, HOP, N_MELS, SAMPLE_RATE  # noqa: E402

OPSET = 17


class EncoderWrap(torch.nn.Module):
    def __init__(self, enc):
        super().__init__()
        self.enc = enc

    def forward(self, audio_signal, length):
        out, lens = self.enc(audio_signal, length)
        return out, lens


class DecoderJointWrap(torch.nn.Module):
    def __init__(self, net):
        super().__init__()
        self.pred = net.predictor
        self.joint = net.joint

    def forward(self, encoder_outputs, targets, target_length, input_states_1, input_states_2):
        emb = self.pred.emb(targets.long())  # [B,1,E]
        p, (h, c) = self.pred.lstm(emb, (input_states_1, input_states_2))
        e = encoder_outputs.transpose(1, 2).unsqueeze(2)  # [B,T,1,D]
        logits = self.joint(e, p.unsqueeze(1))  # [B,T,1,V]
        dur = self.joint.dur_logits.reshape(1, 1, 1, -1).expand(
            logits.shape[0], logits.shape[1], 1, self.joint.dur_logits.shape[0])
        return torch.cat([logits, dur], -1), target_length, h, c


def write_vocab_and_config(out, vocab, cfg):
    """vocab.txt ("<piece> <id>" lines) and config.json, as onnx-asr reads them."""
    with open(os.path.join(out, "vocab.txt"), "w", encoding="utf-8") as f:
        for i, t in enumerate(vocab):
            f.write(f"{t} {i}\n")
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2)
        f.write("\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ckpt", required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    torch.set_num_threads(2)
    os.makedirs(args.out, exist_ok=True)
    ck = torch.load(args.ckpt)
    net = M.from_checkpoint(ck)
    net.eval()

    front = MelFrontend().eval()
    wav = torch.randn(2, 16000) * 0.1
    wl = torch.tensor([16000, 12345])
    torch.onnx.export(front, (wav, wl), os.path.join(args.out, "nemo128.onnx"),
                      input_names=["waveforms", "waveforms_lens"],
                      output_names=["features", "features_lens"],
                      dynamic_axes={"waveforms": {0: "batch", 1: "samples"},
                                    "waveforms_lens": {0: "batch"},
                                    "features": {0: "batch", 2: "frames"},
                                    "features_lens": {0: "batch"}},
                      opset_version=OPSET, do_constant_folding=True)

    feats, fl = front(wav, wl)
    torch.onnx.export(EncoderWrap(net.encoder), (feats, fl),
                      os.path.join(args.out, "encoder-model.onnx"),
                      input_names=["audio_signal", "length"],
                      output_names=["outputs", "encoded_lengths"],
                      dynamic_axes={"audio_signal": {0: "batch", 2: "frames"},
                                    "length": {0: "batch"},
                                    "outputs": {0: "batch", 2: "enc_frames"},
                                    "encoded_lengths": {0: "batch"}},
                      opset_version=OPSET, do_constant_folding=True)

    H = net.predictor.hid
    L = net.predictor.layers
    dj = DecoderJointWrap(net).eval()
    ex = (torch.randn(2, net.encoder.d, 1), torch.tensor([[M.BLANK], [3]], dtype=torch.int32),
          torch.ones(2, dtype=torch.int32), torch.zeros(L, 2, H), torch.zeros(L, 2, H))
    torch.onnx.export(dj, ex, os.path.join(args.out, "decoder_joint-model.onnx"),
                      input_names=["encoder_outputs", "targets", "target_length",
                                   "input_states_1", "input_states_2"],
                      output_names=["outputs", "prednet_lengths",
                                    "output_states_1", "output_states_2"],
                      # NeMo's export: the joint scores any number of encoder frames
                      # ([B, D, T] in, [B, T, 1, V] out) against the one prediction.
                      dynamic_axes={"encoder_outputs": {0: "batch", 2: "time"}, "targets": {0: "batch"},
                                    "target_length": {0: "batch"},
                                    "input_states_1": {1: "batch"}, "input_states_2": {1: "batch"},
                                    "outputs": {0: "batch", 1: "time"}, "prednet_lengths": {0: "batch"},
                                    "output_states_1": {1: "batch"},
                                    "output_states_2": {1: "batch"}},
                      opset_version=OPSET, do_constant_folding=True)

    write_vocab_and_config(args.out, M.VOCAB, {
        "model_type": "nemo-conformer-tdt", "features_size": N_MELS, "subsampling_factor": M.SUBSAMPLING,
        "max_tokens_per_step": 10, "sample_rate": SAMPLE_RATE, "hop_length": HOP, "durations": M.DURATIONS})
    shutil.copy(os.path.join(os.path.dirname(os.path.abspath(__file__)), "words.txt"), os.path.join(args.out, "words.txt"))
    import onnx
    for n in ["nemo128.onnx", "encoder-model.onnx", "decoder_joint-model.onnx"]:
        onnx.checker.check_model(onnx.load(os.path.join(args.out, n)))
    print("exported", ck.get("step"), "steps,", sum(p.numel() for p in net.parameters()), "params")


if __name__ == "__main__":
    main()
