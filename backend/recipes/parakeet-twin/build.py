"""Builds the Parakeet TDT 0.6B v2 twin: random weights, calibrated blank, public ONNX layout.

  python3 build.py --out DIR [--seed 18] [--layers 24 --d-model 1024 ...]

Writes DIR/encoder-model.onnx (+ .onnx.data), decoder_joint-model.onnx, their .int8.onnx
variants, vocab.txt, config.json and build-info.json (sizes, times, calibration figures).
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import onnx
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
TINY_EN_RECIPE = os.path.join(HERE, "..", "tiny-en")
TINY_EN_MODEL = os.path.join(HERE, "..", "..", "models", "tiny-en")
sys.path.insert(0, HERE)
sys.path.insert(0, TINY_EN_RECIPE)
from features import HOP, SAMPLE_RATE, MelFrontend  # noqa: E402
from quantize import quantize_file  # noqa: E402
from twin import DecoderJoint, Encoder, TwinShape, init_weights  # noqa: E402

OPSET = 17
SUBSAMPLING = 8
# One token per 2.5 encoder frames of speech (80 ms frames: 5 tokens a second), as a real
# Parakeet emits on fluent English.
TOKENS_PER_SPEECH_FRAME = 0.4
BLANK_SCORE_GAIN = -8.0
LONGEST_DURATION_SCORE_GAIN = -4.0
DURATION_BIAS = [-1.0, 1.0, 0.5, 0.0, 0.0]
CALIBRATION_SENTENCES = [
    "the weather was clear and the road ran along the river for many miles",
    "she opened the letter slowly and read it twice before she said a word",
    "we will meet again at the station tomorrow morning before the first train",
]


def parse_args():
    s = TwinShape()
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=18)
    ap.add_argument("--layers", type=int, default=s.layers)
    ap.add_argument("--d-model", type=int, default=s.d_model)
    ap.add_argument("--heads", type=int, default=s.heads)
    ap.add_argument("--sub-channels", type=int, default=s.sub_channels)
    ap.add_argument("--pred-hidden", type=int, default=s.pred_hidden)
    ap.add_argument("--joint-hidden", type=int, default=s.joint_hidden)
    ap.add_argument("--threads", type=int, default=2)
    return ap.parse_args()


def vocabulary(size: int) -> list:
    """tiny-en's 256 pieces, then whole words of its word list, then letter pairs: `size` pieces."""
    pieces = [line.rsplit(" ", 1)[0] for line in open(os.path.join(TINY_EN_MODEL, "vocab.txt"), encoding="utf8")]
    pieces = [p for p in pieces if p != "<blk>"]
    seen = set(pieces)
    for w in open(os.path.join(TINY_EN_MODEL, "words.txt"), encoding="utf8"):
        piece = "▁" + w.strip()
        if len(pieces) < size and w.strip() and piece not in seen:
            pieces.append(piece)
            seen.add(piece)
    letters = "abcdefghijklmnopqrstuvwxyz"
    for a in letters:
        for b in letters:
            if len(pieces) < size and a + b not in seen:
                pieces.append(a + b)
                seen.add(a + b)
    return pieces[:size]


def mel_frontend() -> MelFrontend:
    """The bundled nemo128.onnx as torch, its filterbank read back from the ONNX file."""
    m = onnx.load(os.path.join(TINY_EN_MODEL, "nemo128.onnx"))
    fb = next(i for i in m.graph.initializer if i.name == "fb")
    return MelFrontend(torch.from_numpy(onnx.numpy_helper.to_array(fb).copy())).eval()


def calibration_audio() -> tuple:
    """Three espeak-ng sentences with digital silence around and between them, and where speech is."""
    parts = [torch.zeros(SAMPLE_RATE)]
    with tempfile.TemporaryDirectory() as tmp:
        for i, text in enumerate(CALIBRATION_SENTENCES):
            wav = os.path.join(tmp, f"{i}.raw")
            espeak = subprocess.run(["espeak-ng", "-v", "en-us", "-s", "160", "--stdout", text],
                                    check=True, capture_output=True).stdout
            subprocess.run(["sox", "-t", "wav", "-", "-r", str(SAMPLE_RATE), "-c", "1", "-b", "16",
                            "-e", "signed-integer", "-t", "raw", wav], input=espeak, check=True)
            pcm = torch.frombuffer(bytearray(open(wav, "rb").read()), dtype=torch.int16).float() / 32768
            parts += [pcm, torch.zeros(int(0.8 * SAMPLE_RATE))]
    wave = torch.cat(parts)
    frame = HOP * SUBSAMPLING
    n = (wave.numel() + frame - 1) // frame
    padded = torch.nn.functional.pad(wave, (0, n * frame - wave.numel()))
    speech = padded.view(n, frame).pow(2).mean(1).sqrt() > 1e-3
    return wave, speech


def greedy_tdt(joint: DecoderJoint, enc: torch.Tensor, shape: TwinShape, max_per_step=10):
    """The engine's greedy TDT loop (backend/src/engine/tdt-decoder.ts) for one stream: tokens, calls."""
    blank = shape.vocab
    durations = shape.durations
    h = torch.zeros(shape.pred_layers, 1, shape.pred_hidden)
    c = torch.zeros_like(h)
    last, frame, here, calls, tokens = blank, 0, 0, 0, []
    with torch.no_grad():
        while frame < enc.shape[2]:
            out, _, h2, c2 = joint(enc[:, :, frame:frame + 1], torch.tensor([[last]], dtype=torch.int32),
                                   torch.ones(1, dtype=torch.int32), h, c)
            calls += 1
            row = out[0, 0, 0]
            token = int(row[: blank + 1].argmax())
            step = durations[int(row[blank + 1:].argmax())]
            if token != blank:
                tokens.append(frame)
                last, h, c = token, h2, c2
                here += 1
            if step > 0:
                frame, here = frame + step, 0
            elif token == blank or here >= max_per_step:
                frame, here = frame + 1, 0
    return tokens, calls


def calibrate(joint: DecoderJoint, enc: torch.Tensor, speech: torch.Tensor, shape: TwinShape) -> dict:
    """Sets the blank bias so tokens come at TOKENS_PER_SPEECH_FRAME on speech; reports the rates."""
    blank = shape.vocab
    with torch.no_grad():
        joint.score_gain[blank] = BLANK_SCORE_GAIN
        joint.score_gain[-1] = LONGEST_DURATION_SCORE_GAIN
        joint.joint_out.bias[blank + 1:] = torch.tensor(DURATION_BIAS)
    speech = speech[: enc.shape[2]]
    speech_frames = int(speech.sum())
    lo, hi = -20.0, 40.0
    for _ in range(18):
        mid = (lo + hi) / 2
        with torch.no_grad():
            joint.joint_out.bias[blank] = mid
        tokens, _ = greedy_tdt(joint, enc, shape)
        if len(tokens) / speech_frames > TOKENS_PER_SPEECH_FRAME:
            lo = mid
        else:
            hi = mid
    with torch.no_grad():
        joint.joint_out.bias[blank] = (lo + hi) / 2
    tokens, calls = greedy_tdt(joint, enc, shape)
    in_silence = sum(1 for f in tokens if not bool(speech[f]))
    score = enc[0, 0]
    spoken = speech.nonzero().flatten()
    talk = enc[:, :, int(spoken[0]):int(spoken[-1]) + 1]  # the same speech without the silence around it
    talk_tokens, talk_calls = greedy_tdt(joint, talk, shape)
    return {
        "blank_bias": round((lo + hi) / 2, 4),
        "encoder_frames": int(enc.shape[2]),
        "speech_frames": speech_frames,
        "tokens": len(tokens),
        "tokens_in_silence": in_silence,
        "tokens_per_speech_frame": round(len(tokens) / speech_frames, 3),
        "joint_calls": calls,
        "joint_calls_per_frame": round(calls / enc.shape[2], 3),
        "without_surrounding_silence": {"frames": int(talk.shape[2]), "tokens": len(talk_tokens),
                                        "joint_calls": talk_calls},
        "speech_score_mean": {"speech": round(float(score[speech].mean()), 3),
                              "silence": round(float(score[~speech].mean()), 3)},
    }


def export_encoder(encoder: Encoder, feats, lens, out_dir: str):
    """Exports, then gathers every weight into one external file beside the graph, as NeMo's exports do."""
    target = os.path.join(out_dir, "encoder-model.onnx")
    with tempfile.TemporaryDirectory(dir=out_dir) as tmp:
        raw = os.path.join(tmp, "encoder-model.onnx")
        torch.onnx.export(encoder, (feats, lens), raw,
                          input_names=["audio_signal", "length"],
                          output_names=["outputs", "encoded_lengths"],
                          dynamic_axes={"audio_signal": {0: "batch", 2: "frames"}, "length": {0: "batch"},
                                        "outputs": {0: "batch", 2: "enc_frames"},
                                        "encoded_lengths": {0: "batch"}},
                          opset_version=OPSET, do_constant_folding=True)
        model = onnx.load(raw)
    for stale in (target, target + ".data"):
        if os.path.exists(stale):
            os.remove(stale)
    onnx.save_model(model, target, save_as_external_data=True, all_tensors_to_one_file=True,
                    location="encoder-model.onnx.data", size_threshold=1024)
    onnx.checker.check_model(target)


def export_joint(joint: DecoderJoint, shape: TwinShape, out_dir: str):
    L, H = shape.pred_layers, shape.pred_hidden
    ex = (torch.randn(2, shape.d_model, 1), torch.tensor([[shape.vocab], [3]], dtype=torch.int32),
          torch.ones(2, dtype=torch.int32), torch.zeros(L, 2, H), torch.zeros(L, 2, H))
    target = os.path.join(out_dir, "decoder_joint-model.onnx")
    torch.onnx.export(joint, ex, target,
                      input_names=["encoder_outputs", "targets", "target_length",
                                   "input_states_1", "input_states_2"],
                      output_names=["outputs", "prednet_lengths", "output_states_1", "output_states_2"],
                      dynamic_axes={"encoder_outputs": {0: "batch", 2: "time"}, "targets": {0: "batch"},
                                    "target_length": {0: "batch"},
                                    "input_states_1": {1: "batch"}, "input_states_2": {1: "batch"},
                                    "outputs": {0: "batch", 1: "time"}, "prednet_lengths": {0: "batch"},
                                    "output_states_1": {1: "batch"}, "output_states_2": {1: "batch"}},
                      opset_version=OPSET, do_constant_folding=True)
    onnx.checker.check_model(onnx.load(target))


def main():
    args = parse_args()
    torch.set_num_threads(args.threads)
    started = time.time()
    shape = TwinShape(layers=args.layers, d_model=args.d_model, heads=args.heads,
                      sub_channels=args.sub_channels, pred_hidden=args.pred_hidden,
                      joint_hidden=args.joint_hidden)
    os.makedirs(args.out, exist_ok=True)
    encoder, joint = Encoder(shape).eval(), DecoderJoint(shape).eval()
    init_weights(encoder, args.seed)
    init_weights(joint, args.seed + 1)
    params = {"encoder": sum(p.numel() for p in encoder.parameters()),
              "decoder_joint": sum(p.numel() for p in joint.parameters())}
    print(f"twin: {params['encoder']:,} encoder + {params['decoder_joint']:,} decoder/joint parameters",
          flush=True)

    wave, speech = calibration_audio()
    front = mel_frontend()
    with torch.no_grad():
        feats, flen = front(wave.unsqueeze(0), torch.tensor([wave.numel()]))
        enc, _ = encoder(feats, flen)
    calibration = calibrate(joint, enc, speech, shape)
    print("calibration:", json.dumps(calibration), flush=True)

    t = time.time()
    export_encoder(encoder, feats[:, :, :800], torch.tensor([800]), args.out)
    del encoder
    export_joint(joint, shape, args.out)
    fp32_seconds = time.time() - t
    print(f"fp32 exported in {fp32_seconds:.0f} s", flush=True)
    t = time.time()
    for name in ("encoder-model", "decoder_joint-model"):
        quantize_file(os.path.join(args.out, f"{name}.onnx"), os.path.join(args.out, f"{name}.int8.onnx"))
    int8_seconds = time.time() - t
    print(f"int8 written in {int8_seconds:.0f} s", flush=True)

    with open(os.path.join(args.out, "vocab.txt"), "w", encoding="utf8") as f:
        for i, piece in enumerate(vocabulary(shape.vocab) + ["<blk>"]):
            f.write(f"{piece} {i}\n")
    config = {"model_type": "nemo-conformer-tdt", "features_size": shape.feat_in,
              "subsampling_factor": SUBSAMPLING, "max_tokens_per_step": 10,
              "sample_rate": SAMPLE_RATE, "hop_length": HOP, "durations": list(shape.durations)}
    with open(os.path.join(args.out, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
        f.write("\n")
    sizes = {n: os.path.getsize(os.path.join(args.out, n)) for n in sorted(os.listdir(args.out))
             if os.path.isfile(os.path.join(args.out, n))}
    info = {"seed": args.seed, "shape": {k: (list(v) if isinstance(v, tuple) else v)
                                         for k, v in shape.__dict__.items()},
            "parameters": params, "calibration": calibration, "bytes": sizes,
            "seconds": {"total": round(time.time() - started), "fp32_export": round(fp32_seconds),
                        "int8": round(int8_seconds)}}
    with open(os.path.join(args.out, "build-info.json"), "w") as f:
        json.dump(info, f, indent=2)
        f.write("\n")
    print(json.dumps(info["bytes"], indent=2))
    print(f"built in {time.time() - started:.0f} s")


if __name__ == "__main__":
    main()
