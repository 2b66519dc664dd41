#!/usr/bin/env bash
# Build the tiny-en transducer from scratch: synthesize an espeak-ng corpus,
# train, export to backend/models/tiny-en (Parakeet-TDT ONNX layout), score.
#
#   bash backend/recipes/tiny-en/build.sh            # everything
#   STAGE=score bash backend/recipes/tiny-en/build.sh  # re-score the committed model
#
# Needs (Debian): espeak-ng python3-torch python3-torchaudio python3-onnx
# python3-numpy sctk libopenblas0-pthread (Debian's torch uses whatever BLAS
# libblas.so.3 points at; the reference BLAS makes training about 7x slower),
# plus node with onnxruntime-node installed in backend/.
# Work files (wavs, features, checkpoints) go to $EARSHOT_WORK (default
# <repo>/.cache/tiny-en, gitignored). All randomness is seeded.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../../.." && pwd)"
WORK="${EARSHOT_WORK:-$REPO/.cache/tiny-en}"
MODEL="$REPO/backend/models/tiny-en"
PY="${PYTHON:-/usr/bin/python3}"
SCLITE="${SCLITE:-$(command -v sclite || echo /usr/lib/sctk/bin/sclite)}"
STAGE="${STAGE:-all}"
# train.py runs one process per core; BLAS threads of their own would only fight over the cores.
export OPENBLAS_NUM_THREADS=1
N_TRAIN="${N_TRAIN:-48000}"
mkdir -p "$WORK"

if [[ "$STAGE" == all || "$STAGE" == synth ]]; then
  echo "== synthesize corpus ($N_TRAIN training utterances + 2 scoring sets)"
  "$PY" "$HERE/synth.py" --work "$WORK" --n-train "$N_TRAIN" --jobs 2
fi

if [[ "$STAGE" == all || "$STAGE" == train ]]; then
  # Two runs on two processes (one core each), close to how the committed model was
  # trained (its README gives the exact history): with SpecAugment time masks while the
  # encoder learns to listen, then without them. Budgets are wall clock and the
  # learning-rate schedule follows them, so a rerun lands close to, not exactly on, the
  # same weights. train.py reads new feature shards at every epoch.
  if [[ ! -f "$WORK/ckpt/stage1.pt" ]]; then
    echo "== train stage 1"
    "$PY" "$HERE/train.py" --work "$WORK" --world 2 --minutes "${STAGE1_MINUTES:-45}" \
      --lr 2e-3 --warmup 150 --seed 11 --out-name stage1.pt 2>&1 | tee "$WORK/train-stage1.log"
  fi
  echo "== train stage 2"
  "$PY" "$HERE/train.py" --work "$WORK" --world 2 --init "$WORK/ckpt/stage1.pt" \
    --minutes "${STAGE2_MINUTES:-55}" --lr 1.3e-3 --warmup 10 --seed 13 --time-masks 0 \
    --silence-share 0.5 --silence-seconds 2 \
    2>&1 | tee "$WORK/train.log"
fi

if [[ "$STAGE" == continue ]]; then
  # Training wants more time than one working session has, so the weights the committed
  # model came from are kept beside this recipe (checkpoint.pt) and training picks up
  # from them (needs the synth stage's features in $WORK). The defaults are those of the
  # last run: fewer and shorter pauses than stage 2 keep the robustness to silence at a
  # lower cost per step, and 40 % of batches join utterances into fluent talk (the model
  # README has the figures).
  echo "== continue training from checkpoint.pt for ${MINUTES:-60} minutes"
  "$PY" "$HERE/train.py" --work "$WORK" --init "$HERE/checkpoint.pt" --world 2 \
    --minutes "${MINUTES:-45}" --lr "${LR:-3e-4}" --warmup 10 --seed "${SEED:-93}" \
    --time-masks 0 --silence-share 0.3 --silence-seconds 1.5 --rnnt-utts 12 --join-share 0.4 \
    2>&1 | tee "$WORK/train.log"
fi

if [[ "$STAGE" == all || "$STAGE" == train || "$STAGE" == continue ]]; then
  cp "$WORK/ckpt/final.pt" "$HERE/checkpoint.pt"
fi

if [[ "$STAGE" == all || "$STAGE" == continue || "$STAGE" == export ]]; then
  echo "== export to backend/models/tiny-en"
  "$PY" "$HERE/export.py" --ckpt "$WORK/ckpt/final.pt" --out "$MODEL"
fi

# score_set <name> <scoring set> [seconds of silence around each utterance]: decodes through the
# exported ONNX files into $WORK/score/<name> and prints sclite's summary line.
score_set() {
  local name="$1" d="$WORK/$2" out="$WORK/score/$1"
  mkdir -p "$out"
  echo "== score $name through the exported ONNX files"
  (cd "$REPO/backend" && node recipes/tiny-en/score-onnx.mjs "$MODEL" "$d" "$d/wav.list" "$out/hyp.trn" "${3:-0}")
  "$SCLITE" -r "$d/ref.trn" trn -h "$out/hyp.trn" trn -i rm -o sum dtl stdout > "$out/sclite.txt"
  grep -E "Sum/Avg" "$out/sclite.txt" | head -1 | sed "s/^/$name /"
}

if [[ "$STAGE" == all || "$STAGE" == continue || "$STAGE" == score ]]; then
  # The scoring sets are utterances with almost no silence around them; streams and long files have
  # pauses, so test-seen is also scored with 1.5 s of digital silence before and after each utterance.
  score_set test-seen-pauses test-seen 1.5
  for set in test-seen test-unseen; do
    score_set "$set" "$set"
    d="$WORK/$set"
    out="$WORK/score/$set"
    if [[ -f "$WORK/ckpt/final.pt" ]]; then
      # cross-check: PyTorch greedy decoding must give the same text as ONNX
      head -20 "$d/wav.list" > "$out/check.list"
      "$PY" "$HERE/decode_torch.py" --ckpt "$WORK/ckpt/final.pt" --wav-dir "$d" \
        --list "$out/check.list" --out "$out/hyp-torch.trn"
      if diff <(head -20 "$out/hyp.trn") "$out/hyp-torch.trn" > /dev/null; then
        echo "$set: torch and ONNX greedy outputs agree on 20/20 utterances"
      else
        echo "$set: torch and ONNX greedy outputs DIFFER" >&2
        exit 1
      fi
    fi
  done
fi
