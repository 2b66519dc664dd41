"""tiny-en transducer: conv1d subsampling (x4) + QuartzNet-like conv encoder,
1-layer LSTM prediction network over byte-pair pieces, additive joint with a
TDT-style duration head."""

import torch
import torch.nn as nn
import torch.nn.functional as F

import bpe
from wordlist import load_words, word_weights

DURATIONS = [0, 1, 2, 3, 4]
N_PIECES = 256
_MERGES, _PIECES = bpe.learn(load_words(), N_PIECES, word_weights(load_words()))
VOCAB = _PIECES + ["<blk>"]
TOK2ID = {t: i for i, t in enumerate(VOCAB)}
BLANK = len(VOCAB) - 1


encode_text = bpe.text_encoder(_MERGES, TOK2ID)


def decode_ids(ids):
    return bpe.join_pieces(VOCAB[i] for i in ids)


SUBSAMPLING = 4


class ConvBlock(nn.Module):
    """Residual block: depthwise conv -> BN -> SiLU -> pointwise FF -> BN."""

    def __init__(self, d, k=15, mult=2):
        super().__init__()
        self.dw = nn.Conv1d(d, d, k, padding=k // 2, groups=d)
        self.bn1 = nn.BatchNorm1d(d)
        self.pw1 = nn.Conv1d(d, mult * d, 1)
        self.pw2 = nn.Conv1d(mult * d, d, 1)
        self.bn2 = nn.BatchNorm1d(d)

    def forward(self, x, m):  # x [B,D,T], m [B,1,T]
        y = F.silu(self.bn1(self.dw(x))) * m
        y = self.bn2(self.pw2(F.silu(self.pw1(y))))
        return (x + y) * m


class Encoder(nn.Module):
    """x4 subsampling (two conv1d k3/s2 over the 128 mel channels), then residual
    depthwise-separable conv blocks with BatchNorm (QuartzNet-like), 40 ms frames.
    BatchNorm keeps the encoder input-driven from the first steps (LayerNorm
    conformers collapsed to an input-independent output in short CPU runs). Padded
    frames are masked after every layer, so padding never changes valid outputs in
    eval mode."""

    def __init__(self, n_mels=128, d=256, layers=8, k=15):
        super().__init__()
        self.c1 = nn.Conv1d(n_mels, d, 3, 2, 1)
        self.bn1 = nn.BatchNorm1d(d)
        self.c2 = nn.Conv1d(d, d, 3, 2, 1)
        self.bn2 = nn.BatchNorm1d(d)
        self.blocks = nn.ModuleList([ConvBlock(d, k) for _ in range(layers)])
        self.d = d

    def forward(self, feats, lens):  # feats [B,128,T] -> [B,D,T'], lens'
        x, l = feats, lens
        for conv, bn in ((self.c1, self.bn1), (self.c2, self.bn2)):
            l = torch.div(l - 1, 2, rounding_mode="floor") + 1
            x = F.silu(bn(conv(x)))
            m = (torch.arange(x.shape[2], device=x.device)[None, :] < l[:, None]).to(x.dtype)[:, None, :]
            x = x * m
        for b in self.blocks:
            x = b(x, m)
        return x, l


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
    def __init__(self, d_enc, d_pred, vocab, j=256, n_dur=len(DURATIONS)):
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
    def __init__(self, vocab=len(VOCAB), d=256, layers=8):
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


def from_checkpoint(ck):
    cfg = ck["cfg"]
    net = Transducer(vocab=cfg["vocab"], d=cfg["d"], layers=cfg["layers"])
    net.load_state_dict(ck["model"])
    return net
