"""tiny-canary: an attention encoder-decoder in the shape of NVIDIA Canary, small enough to train on
two CPU cores. The encoder is tiny-en's (x4 conv subsampling, 40 ms frames, residual depthwise
conv blocks), started from tiny-en's trained weights; pairs of its frames are averaged (80 ms, the
frame rate of Canary's x8 encoder, which halves what cross-attention costs) and projected to the
decoder's width, with sinusoidal positions added: tiny-en's encoder is convolutional, so without
them cross-attention could find a frame only by its content, never by where it lies. The decoder
is a pre-LayerNorm transformer over byte-pair pieces that caches, as NeMo's does, the input
of every layer for the positions decoded so far (`decoder_mems`), so that each later call takes
only the newest token."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

import lexicon as L

tiny_en = L.tiny_en_module("model")

MAX_POSITIONS = 1024
NEG = -1e4  # masked attention scores (finite, so a fully masked row cannot make NaNs)


class Attention(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.q, self.k, self.v, self.o = (nn.Linear(d, d) for _ in range(4))
        self.heads = heads

    def forward(self, x, memory, allowed):  # x [B,n,d], memory [B,m,d], allowed [B or 1, n, m] bool
        B, n, d = x.shape
        h = self.heads

        def split(t):
            return t.reshape(B, -1, h, d // h).transpose(1, 2)  # [B,h,len,d/h]

        q, k, v = split(self.q(x)), split(self.k(memory)), split(self.v(memory))
        scores = q @ k.transpose(2, 3) / math.sqrt(d // h)
        scores = scores.masked_fill(~allowed[:, None], NEG)
        weights = torch.softmax(scores, -1)
        return self.o((weights @ v).transpose(1, 2).reshape(B, n, d)), weights


class DecoderLayer(nn.Module):
    def __init__(self, d, heads, ff, dropout):
        super().__init__()
        self.ln1, self.ln2, self.ln3 = nn.LayerNorm(d), nn.LayerNorm(d), nn.LayerNorm(d)
        self.self_attn = Attention(d, heads)
        self.cross_attn = Attention(d, heads)
        self.ff = nn.Sequential(nn.Linear(d, ff), nn.ReLU(), nn.Dropout(dropout), nn.Linear(ff, d))
        self.drop = nn.Dropout(dropout)

    def forward(self, x, history, causal, enc, enc_allowed):
        """x: the new positions [B,n,d]; history: this layer's inputs at every position so far,
        x's included [B,m+n,d]. -> the layer's output, and its cross-attention weights [B,h,n,T]."""
        x = x + self.drop(self.self_attn(self.ln1(x), self.ln1(history), causal)[0])
        attended, cross = self.cross_attn(self.ln2(x), enc, enc_allowed)
        x = x + self.drop(attended)
        return x + self.drop(self.ff(self.ln3(x))), cross


def sinusoids(length, d):
    """Sinusoidal positions [length, d] (sines, then cosines). The encoder's are computed in the graph
    rather than stored, so that it takes audio of any length."""
    pos = torch.arange(length, dtype=torch.float32)[:, None]
    div = torch.exp(torch.arange(0, d, 2, dtype=torch.float32) * (-math.log(10000.0) / d))
    return torch.cat([torch.sin(pos * div), torch.cos(pos * div)], 1)


class Decoder(nn.Module):
    def __init__(self, vocab, d=256, layers=2, heads=4, ff=1024, dropout=0.1):
        super().__init__()
        self.emb = nn.Embedding(vocab, d)
        self.register_buffer("pe", sinusoids(MAX_POSITIONS, d), persistent=False)
        self.layers = nn.ModuleList([DecoderLayer(d, heads, ff, dropout) for _ in range(layers)])
        self.ln = nn.LayerNorm(d)
        self.out = nn.Linear(d, vocab)
        self.drop = nn.Dropout(dropout)
        self.d = d

    def forward(self, input_ids, enc, enc_mask, mems, cross=None):
        """input_ids [B,n] at positions m..m+n-1, enc [B,T,d], enc_mask [B,T] (1 = frame),
        mems [L,B,m,d] -> logits of every new position [B,n,V] (unnormalised), new mems [L,B,m+n,d].
        `cross`, a list, receives each layer's cross-attention weights (for training's alignment prior)."""
        n = input_ids.shape[1]
        start = mems.shape[2]
        positions = torch.arange(n, device=input_ids.device) + start
        x = self.drop(self.emb(input_ids) * math.sqrt(self.d) + self.pe[positions])
        keys = torch.arange(n + start, device=input_ids.device)
        causal = (keys[None, :] <= positions[:, None])[None]  # [1,n,m+n]
        enc_allowed = (enc_mask > 0)[:, None, :]  # [B,1,T]
        history = []
        for i, layer in enumerate(self.layers):
            full = torch.cat([mems[i], x], 1)
            history.append(full)
            x, weights = layer(x, full, causal, enc, enc_allowed)
            if cross is not None:
                cross.append(weights)
        return self.out(self.ln(x)), torch.stack(history)


class Canary(nn.Module):
    def __init__(self, vocab=len(L.VOCAB), d_enc=256, enc_layers=8, d=256, dec_layers=2, heads=4, ff=1024):
        super().__init__()
        self.encoder = tiny_en.Encoder(d=d_enc, layers=enc_layers)
        self.proj = nn.Linear(d_enc, d)
        self.decoder = Decoder(vocab, d, dec_layers, heads, ff)
        self.cfg = dict(vocab=vocab, d_enc=d_enc, enc_layers=enc_layers, d=d, dec_layers=dec_layers,
                        heads=heads, ff=ff)

    def encode(self, feats, lens):
        """-> encoder frames [B,D_enc,T'] at 40 ms (for the CTC head) and their lengths, and the
        decoder's view of them: pairs of frames averaged (80 ms, Canary's frame rate, which halves
        what cross-attention costs) and projected, embeddings [B,T'/2,d], mask [B,T'/2] int64."""
        enc, el = self.encoder(feats, lens)
        # One zero frame on the right, so that an odd last frame is averaged with a zero frame whether
        # or not the batch pads it (padded frames are zero): batched and single decodes agree.
        pooled = F.avg_pool1d(F.pad(enc, (0, 1)), 2, 2)
        pl = torch.div(el + 1, 2, rounding_mode="floor")
        mask = (torch.arange(pooled.shape[2], device=enc.device)[None, :] < pl[:, None]).long()
        emb = self.proj(pooled.transpose(1, 2)) + sinusoids(pooled.shape[2], self.decoder.d)
        return enc, el, emb, mask

    def empty_mems(self, batch):
        return torch.zeros(len(self.decoder.layers), batch, 0, self.decoder.d)

    @torch.no_grad()
    def greedy(self, feats, lens, prompts, max_tokens=200):
        """Batched greedy decoding as the engine does it: the whole prompt first, then one token a
        call with the cache; rows that ended keep receiving EOS. prompts [B,P] -> token lists."""
        _, _, emb, mask = self.encode(feats, lens)
        B = emb.shape[0]
        mems = self.empty_mems(B)
        out = [[] for _ in range(B)]
        done = torch.zeros(B, dtype=torch.bool)
        step_in = prompts
        for _ in range(max_tokens):
            logits, mems = self.decoder(step_in, emb, mask, mems)
            nxt = logits[:, -1].argmax(-1)
            nxt = torch.where(done, torch.full_like(nxt, L.EOS), nxt)
            done |= nxt == L.EOS
            for b in range(B):
                if not done[b]:
                    out[b].append(int(nxt[b]))
            if bool(done.all()):
                break
            step_in = nxt[:, None]
        return out


def from_checkpoint(ck):
    """The model of a checkpoint, in float32 (checkpoint.py keeps float16 weights)."""
    net = Canary(**ck["cfg"])
    net.load_state_dict({k: (v.float() if v.is_floating_point() else v) for k, v in ck["model"].items()})
    return net
