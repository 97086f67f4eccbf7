#!/usr/bin/env bash
# Runs `metrix bench` and tools/bench/torch_step.py on the same configurations, interleaved (ours, PyTorch,
# ours, PyTorch, ...) so that load from other processes affects both, and appends one JSON object per run to
# the output file. Usage (from the repository root, after `dotnet build src/Metrix.Cli -c Release`):
#   tools/bench/compare.sh results.jsonl [step|modes|r50|gemm|memory|all]
# then: /usr/bin/python3 tools/bench/summarize.py results.jsonl
set -euo pipefail
out=${1:?usage: compare.sh OUTPUT.jsonl [step|modes|r50|gemm|memory|all]}
what=${2:-all}
metrix=${METRIX:-"dotnet src/Metrix.Cli/bin/Release/net10.0/metrix.dll"}
python=${PYTHON:-/usr/bin/python3}
rounds=${ROUNDS:-3}
threads=${THREADS:-2}

pair() {
  local r
  for r in $(seq "$rounds"); do
    $metrix bench "$@" --threads "$threads" --json >> "$out"
    $python tools/bench/torch_step.py "$@" --threads "$threads" >> "$out"
  done
}

case "$what" in step|all) pair --model resnet18 --batch_size 100 --image_size 64 --steps 10 --warmup 3 --mode baseline ;; esac
case "$what" in modes|all)
  for mode in feature embed input; do
    for pairs in posneg ancneg; do
      # Input mixup runs the whole network on every mixed image (up to 9 per anchor): one round, fewer steps.
      if [ "$mode" = input ]; then rounds=1 pair --model resnet18 --batch_size 100 --image_size 64 --steps 3 --warmup 1 --mode "$mode" --pairs "$pairs"
      else rounds=2 pair --model resnet18 --batch_size 100 --image_size 64 --steps 6 --warmup 2 --mode "$mode" --pairs "$pairs"; fi
    done
  done ;;
esac
case "$what" in r50|all) pair --model resnet50 --batch_size 16 --image_size 224 --steps 5 --warmup 2 --mode baseline ;; esac
case "$what" in gemm|all) rounds=1 pair --gemm --steps 7 --warmup 2 ;; esac
case "$what" in memory|all) rounds=1 pair --model resnet50 --batch_size 100 --image_size 224 --steps 1 --warmup 0 --mode baseline ;; esac
