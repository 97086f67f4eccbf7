#!/usr/bin/env bash
# The baseline-against-Metrix table of docs/results.md: emoji at 32 px, 6 epochs (StepLR at 4), evaluated
# once after the last epoch, seeds 1-3, contrastive and multi-similarity, each Metrix mode with the default
# mixing (pairs posneg,ancneg, alpha 2, weight 0.4), torchvision's crops of 8-100 % of the image. Every run leaves its directory under $OUT; the
# summary is printed by tools/results/summarize.py $OUT.
# Usage (from the repository root, after `dotnet build src/Metrix.Cli -c Release`):
#   tools/results/emoji.sh [OUT] [LOSS:MODES ...]
set -euo pipefail
out=${1:-runs/results}
shift || true
metrix=${METRIX:-"dotnet src/Metrix.Cli/bin/Release/net10.0/metrix.dll"}
jobs=("$@")
[ ${#jobs[@]} -gt 0 ] || jobs=(contrastive:baseline,embed,feature,input multisimilarity:baseline,embed,feature,input)
for job in "${jobs[@]}"; do
  loss=${job%%:*}
  IFS=, read -ra modes <<< "${job#*:}"
  for mode in "${modes[@]}"; do
    $metrix reproduce --loss "$loss" --modes "$mode" --seeds 1,2,3 --image_size 32 --num_epochs 6 \
      --lr_decay_step 4 --eval_every 6 --crop_scale 0.08 --threads 2 --save_root "$out/$loss-$mode"
  done
done
