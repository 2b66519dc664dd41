"""Parakeet TDT 0.6B v2's architecture with random weights (a "twin"), in torch.

Shapes and layer order follow NeMo's FastConformer encoder + TDT transducer as described in
README.md; every weight is drawn from a seeded generator. One addition, documented in the README:
output channel 0 of the encoder carries a speech score (from the normalised log-mel of the frames
it covers, see SpeechScore) and the joint adds it to the blank and duration logits, so that blank wins in silence
and tokens come at a speech-like rate, instead of at random.
"""
import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn


@dataclass
class TwinShape:
    layers: int = 24
    d_model: int = 1024
    heads: int = 8
    ff_expansion: int = 4
    conv_kernel: int = 9
    sub_channels: int = 256
    feat_in: int = 128
    pos_max_len: int = 5000
    pred_hidden: int = 640
    pred_layers: int = 2
    joint_hidden: int = 640
    vocab: int = 1024  # pieces, blank comes after them
    durations: tuple = (0, 1, 2, 3, 4)


def subsampled_length(length: torch.Tensor, times: int = 3) -> torch.Tensor:
    for _ in range(times):
        length = torch.div(length - 1, 2, rounding_mode="floor") + 1
    return length


class DwStridingSubsampling(nn.Module):
    """dw_striding ×8: conv 3×3/2, then twice (depthwise 3×3/2 + pointwise 1×1), ReLUs, linear."""

    def __init__(self, s: TwinShape):
        super().__init__()
        c = s.sub_channels
        self.conv = nn.Sequential(
            nn.Conv2d(1, c, 3, 2, 1), nn.ReLU(),
            nn.Conv2d(c, c, 3, 2, 1, groups=c), nn.Conv2d(c, c, 1), nn.ReLU(),
            nn.Conv2d(c, c, 3, 2, 1, groups=c), nn.Conv2d(c, c, 1), nn.ReLU(),
        )
        freq = s.feat_in
        for _ in range(3):
            freq = (freq - 1) // 2 + 1
        self.out = nn.Linear(c * freq, s.d_model)

    def forward(self, feats):  # [B, F, T] -> [B, T', D]
        x = self.conv(feats.transpose(1, 2).unsqueeze(1))  # [B, C, T', F']
        b, c, t, f = x.shape
        return self.out(x.transpose(1, 2).reshape(b, t, c * f))


class RelPositionalEncoding(nn.Module):
    def __init__(self, d_model: int, max_len: int):
        super().__init__()
        self.xscale = math.sqrt(d_model)
        pos = torch.arange(max_len - 1, -max_len, -1, dtype=torch.float32).unsqueeze(1)
        div = torch.exp(torch.arange(0, d_model, 2, dtype=torch.float32) * -(math.log(10000.0) / d_model))
        pe = torch.zeros(pos.shape[0], d_model)
        pe[:, 0::2] = torch.sin(pos * div)
        pe[:, 1::2] = torch.cos(pos * div)
        self.register_buffer("pe", pe.unsqueeze(0))
        self.center = max_len - 1

    def forward(self, x):
        t = x.shape[1]
        return x * self.xscale, self.pe[:, self.center - t + 1: self.center + t]


class RelPositionAttention(nn.Module):
    def __init__(self, s: TwinShape):
        super().__init__()
        d, h = s.d_model, s.heads
        self.h, self.dk = h, d // h
        self.linear_q = nn.Linear(d, d, bias=False)
        self.linear_k = nn.Linear(d, d, bias=False)
        self.linear_v = nn.Linear(d, d, bias=False)
        self.linear_out = nn.Linear(d, d, bias=False)
        self.linear_pos = nn.Linear(d, d, bias=False)
        self.pos_bias_u = nn.Parameter(torch.zeros(h, self.dk))
        self.pos_bias_v = nn.Parameter(torch.zeros(h, self.dk))

    @staticmethod
    def rel_shift(x):
        b, h, q, p = x.shape
        x = F.pad(x, (1, 0)).view(b, h, p + 1, q)
        return x[:, :, 1:].view(b, h, q, p)

    def forward(self, x, pos, mask):
        b, t, _ = x.shape
        q = self.linear_q(x).view(b, t, self.h, self.dk)
        k = self.linear_k(x).view(b, t, self.h, self.dk).transpose(1, 2)
        v = self.linear_v(x).view(b, t, self.h, self.dk).transpose(1, 2)
        p = self.linear_pos(pos).view(1, -1, self.h, self.dk).transpose(1, 2)
        ac = torch.matmul((q + self.pos_bias_u).transpose(1, 2), k.transpose(-2, -1))
        bd = torch.matmul((q + self.pos_bias_v).transpose(1, 2), p.transpose(-2, -1))
        bd = self.rel_shift(bd)[:, :, :, :t]
        scores = (ac + bd) / math.sqrt(self.dk)
        scores = scores.masked_fill(mask.unsqueeze(1), -10000.0)
        attn = torch.softmax(scores, -1).masked_fill(mask.unsqueeze(1), 0.0)
        out = torch.matmul(attn, v).transpose(1, 2).reshape(b, t, -1)
        return self.linear_out(out)


class FeedForward(nn.Module):
    def __init__(self, s: TwinShape):
        super().__init__()
        self.linear1 = nn.Linear(s.d_model, s.d_model * s.ff_expansion, bias=False)
        self.linear2 = nn.Linear(s.d_model * s.ff_expansion, s.d_model, bias=False)

    def forward(self, x):
        return self.linear2(F.silu(self.linear1(x)))


class ConvModule(nn.Module):
    def __init__(self, s: TwinShape):
        super().__init__()
        d = s.d_model
        self.pointwise_conv1 = nn.Conv1d(d, 2 * d, 1, bias=False)
        self.depthwise_conv = nn.Conv1d(d, d, s.conv_kernel, padding=s.conv_kernel // 2, groups=d, bias=False)
        self.batch_norm = nn.BatchNorm1d(d)
        self.pointwise_conv2 = nn.Conv1d(d, d, 1, bias=False)

    def forward(self, x, pad):  # x [B, T, D], pad [B, T] true where padded
        x = F.glu(self.pointwise_conv1(x.transpose(1, 2)), dim=1)
        x = x.masked_fill(pad.unsqueeze(1), 0.0)
        x = F.silu(self.batch_norm(self.depthwise_conv(x)))
        return self.pointwise_conv2(x).transpose(1, 2)


class ConformerLayer(nn.Module):
    def __init__(self, s: TwinShape):
        super().__init__()
        d = s.d_model
        self.norm_feed_forward1 = nn.LayerNorm(d)
        self.feed_forward1 = FeedForward(s)
        self.norm_self_att = nn.LayerNorm(d)
        self.self_attn = RelPositionAttention(s)
        self.norm_conv = nn.LayerNorm(d)
        self.conv = ConvModule(s)
        self.norm_feed_forward2 = nn.LayerNorm(d)
        self.feed_forward2 = FeedForward(s)
        self.norm_out = nn.LayerNorm(d)

    def forward(self, x, pos, att_mask, pad):
        x = x + 0.5 * self.feed_forward1(self.norm_feed_forward1(x))
        x = x + self.self_attn(self.norm_self_att(x), pos, att_mask)
        x = x + self.conv(self.norm_conv(x), pad)
        x = x + 0.5 * self.feed_forward2(self.norm_feed_forward2(x))
        return self.norm_out(x)


class SpeechScore(nn.Module):
    """Per feature frame, mean + spread of the normalised log-mel over its bins, less 1, pooled by the
    subsampling's own strides: about -1 in silence (a flat frame, or a quiet one beside speech),
    above 0 on speech, whether or not the window also holds silence."""

    def __init__(self):
        super().__init__()
        self.register_buffer("kernel", torch.full((1, 1, 3), 1.0 / 3.0))

    def forward(self, feats):  # [B, F, T] -> [B, 1, T']
        mean = feats.mean(1, keepdim=True)
        x = mean + (feats - mean).pow(2).mean(1, keepdim=True).sqrt() - 1.0
        for _ in range(3):
            x = F.conv1d(x, self.kernel, stride=2, padding=1)
        return x


class Encoder(nn.Module):
    """audio_signal [B, 128, T], length [B] -> outputs [B, D, T'] (channels first), encoded_lengths [B]."""

    def __init__(self, s: TwinShape):
        super().__init__()
        self.pre_encode = DwStridingSubsampling(s)
        self.pos_enc = RelPositionalEncoding(s.d_model, s.pos_max_len)
        self.layers = nn.ModuleList(ConformerLayer(s) for _ in range(s.layers))
        self.score = SpeechScore()

    def forward(self, audio_signal, length):
        x = self.pre_encode(audio_signal)
        lengths = subsampled_length(length)
        x, pos = self.pos_enc(x)
        t = x.shape[1]
        valid = torch.arange(t, device=x.device).unsqueeze(0) < lengths.unsqueeze(1)
        pad = ~valid
        att_mask = ~(valid.unsqueeze(1) & valid.unsqueeze(2))
        for layer in self.layers:
            x = layer(x, pos, att_mask, pad)
        out = x.transpose(1, 2)
        score = self.score(audio_signal)[:, :, :t]
        return torch.cat([score, out[:, 1:]], 1), lengths


class DecoderJoint(nn.Module):
    """Prediction network (embedding + 2-layer LSTM) and TDT joint over any number of encoder frames."""

    def __init__(self, s: TwinShape):
        super().__init__()
        self.blank = s.vocab
        self.embed = nn.Embedding(s.vocab + 1, s.pred_hidden, padding_idx=s.vocab)
        self.lstm = nn.LSTM(s.pred_hidden, s.pred_hidden, s.pred_layers, batch_first=True)
        self.enc = nn.Linear(s.d_model, s.joint_hidden)
        self.pred = nn.Linear(s.pred_hidden, s.joint_hidden)
        self.joint_out = nn.Linear(s.joint_hidden, s.vocab + 1 + len(s.durations))
        # How the speech score moves each output logit (blank and durations only); set by calibration.
        self.register_buffer("score_gain", torch.zeros(s.vocab + 1 + len(s.durations)))

    def forward(self, encoder_outputs, targets, target_length, input_states_1, input_states_2):
        emb = self.embed(targets.long())  # [B, 1, H]
        p, (h, c) = self.lstm(emb, (input_states_1, input_states_2))
        e = encoder_outputs.transpose(1, 2)  # [B, T, D]
        hidden = F.relu(self.enc(e) + self.pred(p))  # [B, T, J]
        logits = self.joint_out(hidden) + e[:, :, :1] * self.score_gain
        return logits.unsqueeze(2), target_length, h, c  # [B, T, 1, V], NeMo's joint layout


def init_weights(module: nn.Module, seed: int):
    """Seeded normal weights (std 0.02), zero biases, unit norms: the usual transformer start."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in module.named_parameters():
            if name.endswith("bias") or "pos_bias" in name:
                p.zero_()
            elif p.dim() == 1:  # LayerNorm / BatchNorm weights
                p.fill_(1.0)
            else:
                p.copy_(torch.randn(p.shape, generator=gen) * 0.02)
        for m in module.modules():
            if isinstance(m, nn.BatchNorm1d):
                m.running_mean.zero_()
                m.running_var.fill_(1.0)
            if isinstance(m, nn.Embedding) and m.padding_idx is not None:
                m.weight[m.padding_idx].zero_()
