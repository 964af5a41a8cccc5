"""Our frequent-itemset miner against mlxtend's fpgrowth on the same space-time baskets, side by side.

Baskets come from the synthetic megacity of ``bench/associations_10m.py`` (1,000,000 cases by default, 500 m ×
7 days, a category present with one case). Both miners get the same (baskets × categories) table and threshold;
the script checks that the itemsets and supports are identical, then reports each miner's best time of
``--repeat`` runs and the ratio.

    .venv/bin/python bench/itemsets_vs_mlxtend.py
    .venv/bin/python bench/itemsets_vs_mlxtend.py --cases 300000 --min-support 0.01 --max-len 3

Target (issue 4): at least 10× faster than mlxtend, identical itemsets.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.associations_10m import generate  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--min-support", type=float, default=0.005)
    parser.add_argument("--max-len", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    import pandas as pd
    from mlxtend.frequent_patterns import fpgrowth

    from citybrain.analytics import io
    from citybrain.analytics.associations.itemsets import frequent_itemsets, min_count_for
    from citybrain.analytics.counting.baskets import count_baskets

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "cases.parquet"
        generate(path, args.cases, seed=1)
        con = io.connect()
        io.open_file(con, path, timezone="Asia/Shanghai")
        baskets = count_baskets(con, cell_m=500, window_days=7, timezone="Asia/Shanghai")
    presence = baskets.counts >= 1
    frame = pd.DataFrame(presence, columns=list(baskets.categories))
    min_count = min_count_for(args.min_support, presence.shape[0])

    ours_s, theirs_s = [], []
    for _ in range(args.repeat):
        began = time.perf_counter()
        mined = frequent_itemsets(presence, min_count=min_count, max_size=args.max_len)
        ours_s.append(time.perf_counter() - began)
        began = time.perf_counter()
        found = fpgrowth(frame, min_support=args.min_support, max_len=args.max_len, use_colnames=True)
        theirs_s.append(time.perf_counter() - began)
    ours = {frozenset(baskets.categories[i] for i in s): mined.support(s) for s in mined.counts}
    theirs = {frozenset(s): float(v) for s, v in zip(found["itemsets"], found["support"], strict=True)}
    result = {
        "benchmark": "itemsets_vs_mlxtend",
        "baskets": int(presence.shape[0]),
        "categories": int(presence.shape[1]),
        "min_support": args.min_support,
        "max_len": args.max_len,
        "itemsets": len(ours),
        "identical": ours == theirs,
        "ours_s": round(min(ours_s), 4),
        "mlxtend_s": round(min(theirs_s), 4),
        "speedup": round(min(theirs_s) / min(ours_s), 1),
        "target": {"speedup": 10, "identical": True},
        "met": ours == theirs and min(theirs_s) / min(ours_s) >= 10,
        "machine": {"cpus": os.cpu_count(), "load": [round(x, 2) for x in os.getloadavg()]},
        "when": datetime.now().isoformat(timespec="seconds"),
    }
    text = json.dumps(result, indent=2)
    print(text)
    (ROOT / "bench" / "results").mkdir(parents=True, exist_ok=True)
    (ROOT / "bench" / "results" / "itemsets_vs_mlxtend.json").write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
