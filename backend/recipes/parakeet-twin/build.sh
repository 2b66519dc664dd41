#!/usr/bin/env bash
# Build the random-weight twin of Parakeet TDT 0.6B v2 in the public ONNX layout (fp32 + int8).
#
#   bash backend/recipes/parakeet-twin/build.sh                 # full size, into the cache
#   bash backend/recipes/parakeet-twin/build.sh --out DIR       # elsewhere
#   bash backend/recipes/parakeet-twin/build.sh --out DIR --layers 2 --d-model 64 \
#     --sub-channels 16 --pred-hidden 32 --joint-hidden 32      # tiny scale, same code (CI)
#
# DIR holds both variants, as istupakov/parakeet-tdt-0.6b-v2-onnx does; DIR-int8 beside it holds
# links to the int8 files only, as a download of parakeet-tdt-0.6b-v2-int8 would (a model
# directory given to --model loads fp32 when both are there).
# Default DIR: ${EARSHOT_CACHE_DIR:-backend/.cache}/parakeet-twin (never committed).
# Needs Debian's python3-torch, python3-onnx, espeak-ng and sox. Seeded: same bytes every run.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PY="${PYTHON:-/usr/bin/python3}"
OUT="${EARSHOT_CACHE_DIR:-$HERE/../../.cache}/parakeet-twin"
ARGS=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --out) OUT="$2"; shift 2 ;;
    *) ARGS+=("$1"); shift ;;
  esac
done
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
export OPENBLAS_NUM_THREADS="${OPENBLAS_NUM_THREADS:-2}"
"$PY" "$HERE/build.py" --out "$OUT" "${ARGS[@]}"

INT8="$OUT-int8"
rm -rf "$INT8"
mkdir -p "$INT8"
for f in encoder-model.int8.onnx decoder_joint-model.int8.onnx vocab.txt config.json; do
  ln -s "../$(basename "$OUT")/$f" "$INT8/$f"
done
echo "fp32 + int8: $OUT"
echo "int8 only:   $INT8"
