"""NeMo-style AudioToMelSpectrogramPreprocessor as a plain torch module.

The same module is used to compute training features and is exported as
nemo128.onnx, so the deployed front end matches training bit-for-bit (up to
float rounding). STFT is a conv1d with a fixed DFT basis so that it exports to
ONNX with torch 1.13 without the ONNX STFT op.
"""
import math

import torch
import torch.nn.functional as F

SAMPLE_RATE = 16000
N_FFT = 512
WIN_LENGTH = 400
HOP = 160
N_MELS = 128
PREEMPH = 0.97
LOG_GUARD = 2.0 ** -24
NORM_EPS = 1e-5


class MelFrontend(torch.nn.Module):
    def __init__(self, fb=None):
        """fb: a [M, F] mel filterbank to use as-is (e.g. read back from nemo128.onnx)."""
        super().__init__()
        n_freq = N_FFT // 2 + 1
        # NeMo uses a symmetric (periodic=False) hann window, centred in n_fft.
        win = torch.hann_window(WIN_LENGTH, periodic=False, dtype=torch.float64)
        lpad = (N_FFT - WIN_LENGTH) // 2
        win = F.pad(win, (lpad, N_FFT - WIN_LENGTH - lpad))
        n = torch.arange(N_FFT, dtype=torch.float64)
        k = torch.arange(n_freq, dtype=torch.float64)
        ang = 2.0 * math.pi * k[:, None] * n[None, :] / N_FFT
        basis = torch.cat([torch.cos(ang) * win, -torch.sin(ang) * win], 0)
        self.register_buffer("basis", basis.float().unsqueeze(1))  # [2F,1,n_fft]
        if fb is None:
            import torchaudio

            fb = torchaudio.functional.melscale_fbanks(
                n_freq, 0.0, SAMPLE_RATE / 2, N_MELS, SAMPLE_RATE,
                norm="slaney", mel_scale="slaney").t()  # [M, F]
        self.register_buffer("fb", fb.contiguous().float())  # [M, F]
        self.n_freq = n_freq

    def forward(self, waveforms: torch.Tensor, waveforms_lens: torch.Tensor):
        B, N = waveforms.shape
        idx = torch.arange(N, device=waveforms.device)
        valid = idx[None, :] < waveforms_lens[:, None]
        x = waveforms * valid.to(waveforms.dtype)
        # preemphasis: y[0] = x[0], y[t] = x[t] - a*x[t-1]
        x = torch.cat([x[:, :1], x[:, 1:] - PREEMPH * x[:, :-1]], 1)
        x = x * valid.to(x.dtype)
        # center=True, constant (zero) padding
        x = F.pad(x.unsqueeze(1), (N_FFT // 2, N_FFT // 2))
        spec = F.conv1d(x, self.basis, stride=HOP)  # [B, 2F, T]
        re = spec[:, : self.n_freq]
        im = spec[:, self.n_freq:]
        power = re * re + im * im
        mel = torch.matmul(self.fb, power)  # [B, M, T]
        logmel = torch.log(mel + LOG_GUARD)
        T = logmel.shape[2]
        feat_lens = torch.div(waveforms_lens, HOP, rounding_mode="floor") + 1
        tmask = (torch.arange(T, device=x.device)[None, :] < feat_lens[:, None]).to(logmel.dtype)
        tmask3 = tmask.unsqueeze(1)
        cnt = feat_lens.to(logmel.dtype).unsqueeze(1)  # [B,1]
        mean = (logmel * tmask3).sum(2) / cnt
        d = (logmel - mean.unsqueeze(2)) * tmask3
        var = (d * d).sum(2) / (cnt - 1.0).clamp(min=1.0)
        std = torch.sqrt(var) + NORM_EPS
        feats = d / std.unsqueeze(2)
        return feats, feat_lens
