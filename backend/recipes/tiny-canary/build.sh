#!/usr/bin/env bash
# Build tiny-canary: synthesize an English and German espeak-ng corpus over the bilingual word list,
# train in two phases (the encoder starts from tiny-en's checkpoint), export to
# backend/models/tiny-canary in the onnx-asr Canary layout, score through Earshot's own Canary engine.
#
#   bash backend/recipes/tiny-canary/build.sh                 # everything
#   STAGE=score bash backend/recipes/tiny-canary/build.sh     # re-score the committed model
#   STAGE=continue MINUTES=60 bash backend/recipes/tiny-canary/build.sh   # more of phase 2 from $WORK/checkpoint.pt
#
# Needs (Debian): espeak-ng python3-torch python3-torchaudio python3-onnx python3-numpy sctk
# libopenblas0-pthread (or BLAS_DIR, a folder holding OpenBLAS's libblas.so.3: Debian's torch computes
# with whatever libblas.so.3 it finds, and the reference BLAS is about 6x slower), and `pnpm install`
# done. Work files go to $EARSHOT_WORK (default <repo>/.cache/tiny-canary, gitignored), the float16
# checkpoint the model is exported from too: it is not committed (the model alone is, to keep the
# repository small), so training continues only where a run left one. Everything heavy runs under
# `nice -n 19`: the machine is shared. All randomness is seeded.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../../.." && pwd)"
WORK="${EARSHOT_WORK:-$REPO/.cache/tiny-canary}"
MODEL="$REPO/backend/models/tiny-canary"
PY="${PYTHON:-/usr/bin/python3}"
SCLITE="${SCLITE:-$(command -v sclite || echo /usr/lib/sctk/bin/sclite)}"
STAGE="${STAGE:-all}"
CKPT="$WORK/checkpoint.pt"
export OPENBLAS_NUM_THREADS=1
if [[ -n "${BLAS_DIR:-}" ]]; then export LD_LIBRARY_PATH="$BLAS_DIR${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"; fi
N_TRAIN="${N_TRAIN:-12000}"
mkdir -p "$WORK"
heavy() { nice -n 19 "$@"; }
# Phase 2: the encoder frozen, the decoder taught where to listen (see train.py).
PHASE2=(--world 2 --train-blocks 0 --ctc 0 --warmup 10 --max-frames 8000 --translate-share 0.5 --join-share 0.4
        --max-pause 1.5 --silence-seconds 3)

if [[ "$STAGE" == all || "$STAGE" == synth ]]; then
  echo "== synthesize corpus ($N_TRAIN utterances per language + 4 scoring sets)"
  heavy "$PY" "$HERE/synth.py" --work "$WORK" --n-train "$N_TRAIN" --jobs 2
fi

if [[ "$STAGE" == all || "$STAGE" == train ]]; then
  echo "== train, phase 1: the encoder (from tiny-en's) with CTC, the decoder on cross-entropy alone"
  heavy "$PY" "$HERE/train.py" --work "$WORK" --world 2 --encoder-from "$REPO/backend/recipes/tiny-en/checkpoint.pt" \
    --decoder-layers 3 --minutes "${MINUTES_ENCODER:-120}" --guide 0 --lr 1e-3 --warmup 200 --seed 11 --out-name phase1.pt 2>&1 | tee "$WORK/train1.log"
  echo "== train, phase 2: the encoder frozen, the decoder taught where to listen"
  heavy "$PY" "$HERE/train.py" --work "$WORK" --init "$WORK/ckpt/phase1.pt" "${PHASE2[@]}" \
    --minutes "${MINUTES:-120}" --lr 1e-3 --seed 23 2>&1 | tee "$WORK/train2.log"
fi

if [[ "$STAGE" == continue ]]; then
  echo "== continue phase 2 from $CKPT for ${MINUTES:-60} minutes"
  heavy "$PY" "$HERE/train.py" --work "$WORK" --init "$CKPT" "${PHASE2[@]}" \
    --minutes "${MINUTES:-60}" --lr "${LR:-5e-4}" --seed "${SEED:-13}" 2>&1 | tee "$WORK/train2.log"
fi

if [[ "$STAGE" == all || "$STAGE" == train || "$STAGE" == continue ]]; then
  heavy "$PY" "$HERE/checkpoint.py" --ckpt "$WORK/ckpt/final.pt" --out "$CKPT"
fi

if [[ "$STAGE" == all || "$STAGE" == train || "$STAGE" == continue || "$STAGE" == export ]]; then
  echo "== export to backend/models/tiny-canary"
  heavy "$PY" "$HERE/export.py" --ckpt "$CKPT" --out "$MODEL"
fi

# score_set <scoring set> <spoken> <written> <reference file>: decodes a set through Earshot's Canary
# engine into $WORK/score and prints sclite's summary line.
score_set() {
  local set="$1" src="$2" tgt="$3" ref="$4" d="$WORK/$1" out="$WORK/score/$1-$3"
  mkdir -p "$out"
  (cd "$REPO/backend" && heavy npx tsx recipes/tiny-canary/score.ts "$MODEL" "$d" "$d/wav.list" "$src" "$tgt" "$out/hyp.trn")
  "$SCLITE" -r "$d/$ref" trn -h "$out/hyp.trn" trn -i rm -o sum dtl stdout > "$out/sclite.txt"
  grep -E "Sum/Avg" "$out/sclite.txt" | head -1 | sed "s/^/$set $src>$tgt /"
}

if [[ "$STAGE" == all || "$STAGE" == train || "$STAGE" == continue || "$STAGE" == score ]]; then
  for lang in en de; do
    other=$([[ $lang == en ]] && echo de || echo en)
    for set in "test-$lang" "test-$lang-unseen"; do
      score_set "$set" "$lang" "$lang" ref.trn
      score_set "$set" "$lang" "$other" ref-translation.trn
    done
  done
  # Cross-check: PyTorch greedy decoding of the checkpoint gives the engine's text.
  if [[ ! -f "$CKPT" ]]; then
    echo "no $CKPT (made by a training run here): the PyTorch cross-check is skipped"
    exit 0
  fi
  for lang in en de; do
    d="$WORK/test-$lang"
    out="$WORK/score/test-$lang-$lang"
    head -20 "$d/wav.list" > "$out/check.list"
    heavy "$PY" "$HERE/decode_torch.py" --ckpt "$CKPT" --wav-dir "$d" --list "$out/check.list" \
      --language "$lang" --target-language "$lang" --out "$out/hyp-torch.trn"
    # Batched float32 in ONNX Runtime and one-at-a-time PyTorch can part at a near-tie (EOS or one more
    # word); more than two of twenty is a fault of the export or the engine.
    differ=$(diff <(head -20 "$out/hyp.trn") "$out/hyp-torch.trn" | grep -c '^<' || true)
    echo "test-$lang: torch and the engine agree on $((20 - differ))/20 utterances"
    if ((differ > 2)); then
      echo "test-$lang: torch and the engine DIFFER" >&2
      exit 1
    fi
  done
fi
