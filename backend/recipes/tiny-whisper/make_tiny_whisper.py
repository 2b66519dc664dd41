"""Builds a tiny, randomly initialised Whisper in the transformers.js (onnx-community) layout.

    python3 make_tiny_whisper.py <tokenizer-dir> <out-dir> [--seed N]

<tokenizer-dir> holds the real whisper-tiny.en tokenizer and configs (the provided
`shared/models/whisper-tiny.en-tokenizer`). The output is a complete model directory:

    config.json  generation_config.json  preprocessor_config.json  tokenizer files
    onnx/encoder_model.onnx          input_features -> last_hidden_state
    onnx/decoder_model_merged.onnx   input_ids, encoder_hidden_states,
                                     past_key_values.{i}.{decoder,encoder}.{key,value}, use_cache_branch
                                     -> logits, present.{i}.{decoder,encoder}.{key,value}, cross_attentions.{i}

The architecture is Hugging Face's WhisperForConditionalGeneration (pre-norm transformer, conv
stem, sinusoidal encoder positions, learned decoder positions, output projection tied to the token
embedding) with the real layer and head counts, vocabulary and mel settings; only the widths are
shrunk. Like Optimum's merged decoder, `use_cache_branch` chooses where cross-attention keys and
values come from: computed from `encoder_hidden_states` (first step, past is empty) or taken from
`past_key_values.{i}.encoder.*` (later steps; the `present.{i}.encoder.*` outputs are then empty).
The weights are random (seeded), so the model hears nothing; it exists to drive the loading and
decoding code real Whisper exports go through.
"""

import argparse
import json
import math
import os
import shutil

import onnx
import torch
from torch import nn

TOKENIZER_FILES = [
    "tokenizer.json",
    "tokenizer_config.json",
    "vocab.json",
    "merges.txt",
    "added_tokens.json",
    "special_tokens_map.json",
    "normalizer.json",
    "preprocessor_config.json",
    "generation_config.json",
]

D_MODEL = 48
FFN_DIM = 96


class Attention(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.heads = heads
        self.head_dim = dim // heads
        self.scaling = self.head_dim**-0.5
        self.q_proj = nn.Linear(dim, dim)
        self.k_proj = nn.Linear(dim, dim, bias=False)
        self.v_proj = nn.Linear(dim, dim)
        self.out_proj = nn.Linear(dim, dim)

    def split(self, x):
        b, t, _ = x.shape
        return x.view(b, t, self.heads, self.head_dim).transpose(1, 2)

    def attend(self, x, k, v, mask=None):
        q = self.split(self.q_proj(x) * self.scaling)
        scores = q @ k.transpose(-1, -2)
        if mask is not None:
            scores = scores.masked_fill(~mask, float("-inf"))
        weights = scores.softmax(-1)
        out = (weights @ v).transpose(1, 2)
        b, t = out.shape[0], out.shape[1]
        return self.out_proj(out.reshape(b, t, self.heads * self.head_dim)), weights


def feed_forward(dim, ffn):
    return nn.Sequential(nn.Linear(dim, ffn), nn.GELU(), nn.Linear(ffn, dim))


class EncoderLayer(nn.Module):
    def __init__(self, dim, heads, ffn):
        super().__init__()
        self.self_attn_layer_norm = nn.LayerNorm(dim)
        self.self_attn = Attention(dim, heads)
        self.final_layer_norm = nn.LayerNorm(dim)
        self.ffn = feed_forward(dim, ffn)

    def forward(self, x):
        h = self.self_attn_layer_norm(x)
        a = self.self_attn
        x = x + a.attend(h, a.split(a.k_proj(h)), a.split(a.v_proj(h)))[0]
        return x + self.ffn(self.final_layer_norm(x))


def sinusoids(length, channels):
    log_timescale = math.log(10000) / (channels // 2 - 1)
    inv = torch.exp(-log_timescale * torch.arange(channels // 2))
    scaled = torch.arange(length)[:, None] * inv[None, :]
    return torch.cat([scaled.sin(), scaled.cos()], dim=1)


class Encoder(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        dim = cfg["d_model"]
        self.conv1 = nn.Conv1d(cfg["num_mel_bins"], dim, 3, padding=1)
        self.conv2 = nn.Conv1d(dim, dim, 3, stride=2, padding=1)
        self.register_buffer("embed_positions", sinusoids(cfg["max_source_positions"], dim))
        self.layers = nn.ModuleList(
            EncoderLayer(dim, cfg["encoder_attention_heads"], cfg["encoder_ffn_dim"])
            for _ in range(cfg["encoder_layers"])
        )
        self.layer_norm = nn.LayerNorm(dim)

    def forward(self, input_features):
        x = nn.functional.gelu(self.conv1(input_features))
        x = nn.functional.gelu(self.conv2(x)).transpose(1, 2)
        x = x + self.embed_positions
        for layer in self.layers:
            x = layer(x)
        return self.layer_norm(x)


class DecoderLayer(nn.Module):
    def __init__(self, dim, heads, ffn):
        super().__init__()
        self.self_attn_layer_norm = nn.LayerNorm(dim)
        self.self_attn = Attention(dim, heads)
        self.encoder_attn_layer_norm = nn.LayerNorm(dim)
        self.encoder_attn = Attention(dim, heads)
        self.final_layer_norm = nn.LayerNorm(dim)
        self.ffn = feed_forward(dim, ffn)

    def forward(self, x, encoder_hidden_states, past, use_cache, mask):
        past_dk, past_dv, past_ek, past_ev = past
        a = self.self_attn
        h = self.self_attn_layer_norm(x)
        dk = torch.cat([past_dk, a.split(a.k_proj(h))], dim=2)
        dv = torch.cat([past_dv, a.split(a.v_proj(h))], dim=2)
        x = x + a.attend(h, dk, dv, mask)[0]

        c = self.encoder_attn
        computed_k = c.split(c.k_proj(encoder_hidden_states))
        computed_v = c.split(c.v_proj(encoder_hidden_states))
        # The branch as slices: with use_cache the past is kept whole and nothing is computed,
        # without it the (empty) past contributes nothing and the computed keys are used.
        keep_past = use_cache * past_ek.shape[2]
        take_computed = (1 - use_cache) * computed_k.shape[2]
        present_ek = computed_k[:, :, :take_computed]
        present_ev = computed_v[:, :, :take_computed]
        ek = torch.cat([past_ek[:, :, :keep_past], present_ek], dim=2)
        ev = torch.cat([past_ev[:, :, :keep_past], present_ev], dim=2)
        h = self.encoder_attn_layer_norm(x)
        out, cross = c.attend(h, ek, ev)
        x = x + out
        x = x + self.ffn(self.final_layer_norm(x))
        return x, (dk, dv, present_ek, present_ev), cross


class MergedDecoder(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        dim = cfg["d_model"]
        self.embed_tokens = nn.Embedding(cfg["vocab_size"], dim)
        self.embed_positions = nn.Embedding(cfg["max_target_positions"], dim)
        self.layers = nn.ModuleList(
            DecoderLayer(dim, cfg["decoder_attention_heads"], cfg["decoder_ffn_dim"])
            for _ in range(cfg["decoder_layers"])
        )
        self.layer_norm = nn.LayerNorm(dim)

    def forward(self, input_ids, encoder_hidden_states, use_cache_branch, *past_flat):
        use_cache = use_cache_branch.to(torch.int64).reshape(())
        past_len = past_flat[0].shape[2]
        new_len = input_ids.shape[1]
        positions = torch.arange(new_len) + past_len
        x = self.embed_tokens(input_ids) + self.embed_positions(positions)
        total = past_len + new_len
        mask = torch.arange(total)[None, :] <= (torch.arange(new_len) + past_len)[:, None]
        presents, crosses = [], []
        for i, layer in enumerate(self.layers):
            x, present, cross = layer(x, encoder_hidden_states, past_flat[4 * i : 4 * i + 4], use_cache, mask)
            presents.extend(present)
            crosses.append(cross)
        logits = self.layer_norm(x) @ self.embed_tokens.weight.T
        return (logits, *presents, *crosses)


def export(cfg, out_dir, seed):
    torch.manual_seed(seed)
    encoder = Encoder(cfg).eval()
    decoder = MergedDecoder(cfg).eval()
    for module in (encoder, decoder):
        for name, p in module.named_parameters():
            if p.dim() > 1:
                nn.init.normal_(p, std=cfg["init_std"] * 10)
            elif name.endswith("bias"):
                nn.init.zeros_(p)
    onnx_dir = os.path.join(out_dir, "onnx")
    os.makedirs(onnx_dir, exist_ok=True)

    layers, heads = cfg["decoder_layers"], cfg["decoder_attention_heads"]
    head_dim = cfg["d_model"] // heads
    features = torch.randn(1, cfg["num_mel_bins"], 2 * cfg["max_source_positions"])
    torch.onnx.export(
        encoder,
        (features,),
        os.path.join(onnx_dir, "encoder_model.onnx"),
        input_names=["input_features"],
        output_names=["last_hidden_state"],
        dynamic_axes={"input_features": {0: "batch_size"}, "last_hidden_state": {0: "batch_size"}},
        opset_version=14,
    )

    past_names, present_names = [], []
    for i in range(layers):
        for part in ("decoder", "encoder"):
            for kind in ("key", "value"):
                past_names.append(f"past_key_values.{i}.{part}.{kind}")
                present_names.append(f"present.{i}.{part}.{kind}")
    cross_names = [f"cross_attentions.{i}" for i in range(layers)]
    with torch.no_grad():
        hidden = encoder(features)
    past = []
    for i in range(layers):
        past += [torch.randn(1, heads, 3, head_dim) for _ in range(2)]
        past += [torch.randn(1, heads, hidden.shape[1], head_dim) for _ in range(2)]
    dynamic = {
        "input_ids": {0: "batch_size", 1: "decoder_sequence_length"},
        "encoder_hidden_states": {0: "batch_size", 1: "encoder_sequence_length"},
        "logits": {0: "batch_size", 1: "decoder_sequence_length"},
    }
    for name in past_names + present_names:
        seq = "past_decoder_sequence_length" if ".decoder." in name else "encoder_sequence_length_out"
        if name.startswith("present") and ".decoder." in name:
            seq = "past_decoder_sequence_length + 1"
        dynamic[name] = {0: "batch_size", 2: seq}
    for name in cross_names:
        dynamic[name] = {0: "batch_size", 2: "decoder_sequence_length", 3: "encoder_sequence_length"}
    decoder_file = os.path.join(onnx_dir, "decoder_model_merged.onnx")
    torch.onnx.export(
        decoder,
        (torch.tensor([[50257, 50362]]), hidden, torch.tensor([True]), *past),
        decoder_file,
        input_names=["input_ids", "encoder_hidden_states", "use_cache_branch", *past_names],
        output_names=["logits", *present_names, *cross_names],
        dynamic_axes=dynamic,
        opset_version=14,
    )
    check_names(decoder_file, ["input_ids", "encoder_hidden_states", "use_cache_branch", *past_names])


def check_names(file, inputs):
    graph = onnx.load(file).graph
    actual = [i.name for i in graph.input]
    missing = [name for name in inputs if name not in actual]
    if missing:
        raise SystemExit(f"{file}: export dropped inputs {missing}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("tokenizer_dir")
    parser.add_argument("out_dir")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    with open(os.path.join(args.tokenizer_dir, "config.json")) as f:
        cfg = json.load(f)
    cfg.update(d_model=D_MODEL, encoder_ffn_dim=FFN_DIM, decoder_ffn_dim=FFN_DIM)
    os.makedirs(args.out_dir, exist_ok=True)
    for name in TOKENIZER_FILES:
        shutil.copyfile(os.path.join(args.tokenizer_dir, name), os.path.join(args.out_dir, name))
    with open(os.path.join(args.out_dir, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2)
    torch.set_num_threads(1)
    export(cfg, args.out_dir, args.seed)


if __name__ == "__main__":
    main()
