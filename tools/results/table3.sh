#!/usr/bin/env bash
# Table 3 of docs/results.md on emoji: Metrix/input against i-Mix and Metrix/embed against MoCHi (neg-neg and
# anc-neg pairs) with the contrastive loss, Metrix/embed against proxy synthesis with proxy anchor, each with its
# loss's baseline; seeds 1-3, a short recipe (32 px, 8 epochs, StepLR after epoch 6, the emoji crops of 35-100 %),
# evaluated on the 953 test classes after the last epoch. One thread per run so that two queues share two cores;
# the figures do not depend on how many run at once. The summary: tools/results/summarize.py $OUT.
# Usage (from the repository root, after `dotnet build src/Metrix.Cli -c Release`):
#   tools/results/table3.sh [OUT]
set -euo pipefail
out=${1:-runs/table3}
metrix=${METRIX:-"dotnet src/Metrix.Cli/bin/Release/net10.0/metrix.dll"}
common=(--dataset emoji --image_size 32 --num_epochs 8 --lr_decay_step 6 --threads 1 --seeds 1,2,3 --save_root "$out")
(
  $metrix reproduce "${common[@]}" --loss contrastive --modes baseline,imix,input
  $metrix reproduce "${common[@]}" --loss proxyanchor --modes embed
) &
(
  $metrix reproduce "${common[@]}" --loss contrastive --modes mochi --pairs negneg
  $metrix reproduce "${common[@]}" --loss contrastive --modes mochi --pairs ancneg
  $metrix reproduce "${common[@]}" --loss contrastive --modes embed
  $metrix reproduce "${common[@]}" --loss proxyanchor --modes baseline,ps
) &
wait
