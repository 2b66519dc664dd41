"""tiny-en transducer: conv2d subsampling (x4) + small conformer encoder,
1-layer LSTM prediction network, additive joint with a TDT-style duration head."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

import os

WB = "\u2581"
DURATIONS = [0, 1, 2, 3, 4]
HERE = os.path.dirname(os.path.abspath(__file__))


def build_vocab():
    """Whole-word SentencePiece-style tokens ("\u2581word") for every entry of
    words.txt (the closed training vocabulary), then <blk> as the last id."""
    with open(os.path.join(HERE, "words.txt")) as f:
        words = [w.strip() for w in f if w.strip()]
    return [WB + w for w in words] + ["<blk>"]


VOCAB = build_vocab()
TOK2ID = {t: i for i, t in enumerate(VOCAB)}
BLANK = len(VOCAB) - 1


def encode_text(text):
    return [TOK2ID[WB + w] for w in text.split()]


def decode_ids(ids):
    return "".join(VOCAB[i] for i in ids).replace(WB, " ").strip()


SUBSAMPLING = 8


def sub_len(l):
    # conv k5/s4/p2 then k3/s2/p1
    l = torch.div(l - 1, 4, rounding_mode="floor") + 1
    return torch.div(l - 1, 2, rounding_mode="floor") + 1


class FF(nn.Module):
    def __init__(self, d, mult=2, p=0.1):
        super().__init__()
        self.ln = nn.LayerNorm(d)
        self.l1 = nn.Linear(d, d * mult)
        self.l2 = nn.Linear(d * mult, d)
        self.dp = nn.Dropout(p)

    def forward(self, x):
        return self.dp(self.l2(self.dp(F.silu(self.l1(self.ln(x))))))


class MHSA(nn.Module):
    def __init__(self, d, h, p=0.1):
        super().__init__()
        self.h = h
        self.ln = nn.LayerNorm(d)
        self.qkv = nn.Linear(d, 3 * d)
        self.o = nn.Linear(d, d)
        self.dp = nn.Dropout(p)

    def forward(self, x, keymask):  # keymask [B,T] bool True=valid
        B, T, D = x.shape
        q, k, v = self.qkv(self.ln(x)).chunk(3, -1)
        dh = D // self.h
        q = q.reshape(B, T, self.h, dh).transpose(1, 2)
        k = k.reshape(B, T, self.h, dh).transpose(1, 2)
        v = v.reshape(B, T, self.h, dh).transpose(1, 2)
        att = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(dh)
        att = att.masked_fill(~keymask[:, None, None, :], -1e4)
        att = self.dp(torch.softmax(att, -1))
        y = torch.matmul(att, v).transpose(1, 2).reshape(B, T, D)
        return self.dp(self.o(y))


class ConvModule(nn.Module):
    def __init__(self, d, k=15, p=0.1):
        super().__init__()
        self.ln = nn.LayerNorm(d)
        self.pw1 = nn.Conv1d(d, 2 * d, 1)
        self.dw = nn.Conv1d(d, d, k, padding=k // 2, groups=d)
        self.ln2 = nn.LayerNorm(d)
        self.pw2 = nn.Conv1d(d, d, 1)
        self.dp = nn.Dropout(p)

    def forward(self, x, m):  # m [B,T,1] float
        y = self.ln(x) * m
        y = F.glu(self.pw1(y.transpose(1, 2)), dim=1)
        y = y * m.transpose(1, 2)
        y = self.dw(y).transpose(1, 2)
        y = self.pw2(F.silu(self.ln2(y)).transpose(1, 2)).transpose(1, 2)
        return self.dp(y)


class Block(nn.Module):
    def __init__(self, d, h, k):
        super().__init__()
        self.ff1 = FF(d)
        self.att = MHSA(d, h)
        self.conv = ConvModule(d, k)
        self.ff2 = FF(d)
        self.ln = nn.LayerNorm(d)

    def forward(self, x, keymask, m):
        x = x + 0.5 * self.ff1(x)
        x = x + self.att(x, keymask)
        x = x + self.conv(x, m)
        x = x + 0.5 * self.ff2(x)
        return self.ln(x) * m


class Encoder(nn.Module):
    """x8 subsampling: conv1d k5/s4 over the 128 mel channels, then conv1d
    k3/s2; then small conformer blocks. Padded frames are masked everywhere."""

    def __init__(self, n_mels=128, d=144, layers=4, heads=4, k=9, ch=192):
        super().__init__()
        self.c1 = nn.Conv1d(n_mels, ch, 5, 4, 2)
        self.c2 = nn.Conv1d(ch, d, 3, 2, 1)
        self.blocks = nn.ModuleList([Block(d, heads, k) for _ in range(layers)])
        self.d = d
        self.dp = nn.Dropout(0.1)

    def forward(self, feats, lens):  # feats [B,128,T] -> [B,D,T'], lens'
        l1 = torch.div(lens - 1, 4, rounding_mode="floor") + 1
        x = F.silu(self.c1(feats))
        m1 = (torch.arange(x.shape[2], device=x.device)[None, :] < l1[:, None]).to(x.dtype)
        x = x * m1[:, None, :]
        l2 = torch.div(l1 - 1, 2, rounding_mode="floor") + 1
        x = self.c2(x).transpose(1, 2)  # [B,T',D]
        T2 = x.shape[1]
        keymask = torch.arange(T2, device=x.device)[None, :] < l2[:, None]
        m = keymask.to(x.dtype).unsqueeze(-1)
        pos = torch.arange(T2, device=x.device, dtype=x.dtype)[:, None]
        i = torch.arange(0, self.d, 2, device=x.device, dtype=x.dtype)[None, :]
        ang = pos / torch.pow(10000.0, i / self.d)
        pe = torch.stack([torch.sin(ang), torch.cos(ang)], -1).reshape(T2, self.d)
        x = self.dp(x + pe[None]) * m
        for b in self.blocks:
            x = b(x, keymask, m)
        return x.transpose(1, 2), l2


class Predictor(nn.Module):
    def __init__(self, vocab, emb=128, hid=256, layers=1):
        super().__init__()
        self.emb = nn.Embedding(vocab, emb)
        self.lstm = nn.LSTM(emb, hid, layers, batch_first=True)
        self.layers = layers
        self.hid = hid
        self.dp = nn.Dropout(0.1)

    def forward(self, y, state=None):  # y [B,U] long
        out, st = self.lstm(self.dp(self.emb(y)), state)
        return self.dp(out), st


class Joint(nn.Module):
    def __init__(self, d_enc, d_pred, vocab, j=160, n_dur=len(DURATIONS)):
        super().__init__()
        self.enc = nn.Linear(d_enc, j)
        self.pred = nn.Linear(d_pred, j)
        self.out = nn.Linear(j, vocab)
        # duration head (TDT layout). Trained as plain RNN-T, so the head is a
        # constant that always selects duration 0 (= standard RNN-T decoding).
        self.register_buffer("dur_logits", torch.tensor([10.0] + [0.0] * (n_dur - 1)))

    def forward(self, e, p):  # e [B,T,1,De] p [B,1,U,Dp]
        return self.out(torch.tanh(self.enc(e) + self.pred(p)))


class Transducer(nn.Module):
    def __init__(self, vocab=len(VOCAB), d=144, layers=4):
        super().__init__()
        self.encoder = Encoder(d=d, layers=layers)
        self.predictor = Predictor(vocab)
        self.joint = Joint(d, self.predictor.hid, vocab)
        self.vocab = vocab
        self.blank = vocab - 1

    @torch.no_grad()
    def greedy(self, feats, lens, max_sym=10):
        enc, el = self.encoder(feats, lens)
        enc = enc.transpose(1, 2)
        hyps = []
        for b in range(enc.shape[0]):
            hyp = []
            tok = self.blank
            h = torch.zeros(1, 1, self.predictor.hid)
            c = torch.zeros(1, 1, self.predictor.hid)
            t = 0
            emitted = 0
            T = int(el[b])
            while t < T:
                p, (h2, c2) = self.predictor(torch.tensor([[tok]]), (h, c))
                logits = self.joint(enc[b, t][None, None, None], p[:, None])[0, 0, 0]
                k = int(logits.argmax())
                if k != self.blank:
                    hyp.append(k)
                    tok = k
                    h, c = h2, c2
                    emitted += 1
                if k == self.blank or emitted == max_sym:
                    t += 1
                    emitted = 0
            hyps.append(hyp)
        return hyps
