"""batchlm's decoder against llama.cpp on the same weights: the table of issue 16 from one run's outputs.

Usage: python3 ratios.py DIR   (DIR holds batchlm.txt from DecoderBench and fa-off.jsonl / fa-on.jsonl
from llama-batched-bench)
"""

import json
import re
import sys
from pathlib import Path

out = Path(sys.argv[1])
ours = {}
for line in (out / "batchlm.txt").read_text().splitlines():
    m = re.match(r"batch\s+(\d+): prefill\s+([\d.]+) tok/s .*decode\s+([\d.]+) tok/s", line)
    if m:
        ours[int(m.group(1))] = (float(m.group(2)), float(m.group(3)))

peers = {}
for fa in ("off", "on"):
    for line in (out / f"fa-{fa}.jsonl").read_text().splitlines():
        if line.startswith("{"):
            r = json.loads(line)
            peers[(fa, r["pl"])] = (r["speed_pp"], r["speed_tg"])

print("| sequences | batchlm prefill tok/s | batchlm decode tok/s | llama.cpp prefill / decode (flash attention off) "
      "| ratio prefill / decode | llama.cpp with flash attention | ratio |")
print("|---|---|---|---|---|---|---|")
for b, (pp, tg) in sorted(ours.items()):
    row = [str(b), f"{pp:.0f}", f"{tg:.1f}"]
    for fa in ("off", "on"):
        p = peers.get((fa, b))
        if p is None:
            row += ["—", "—"]
        else:
            row += [f"{p[0]:.0f} / {p[1]:.1f}", f"{pp / p[0]:.2f}× / {tg / p[1]:.2f}×"]
    print("| " + " | ".join(row) + " |")
