"""What masking personal data costs and what it finds, on real citizen messages (issue 15, PIPL).

Reads the Teddy Cup 2020 messages (../shared/data/teddy2020c: messages_train_full.csv and the replies of
replies_附件4.xlsx), masks every message with ``core.privacy.mask_text`` and reports the time per message, per
detector how many matches in how many messages (their precision was judged by reading samples: docs/security.md),
and how many messages have anything masked at all.
Prints JSON and writes bench/results/pii_mask.json.

    .venv/bin/python -m bench.pii_mask [--repeat 3]
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
import time
from pathlib import Path

from citybrain.core import privacy

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "teddy2020c"
RESULTS = Path(__file__).resolve().parent / "results"
DETECTORS = {
    "id_card": privacy._ID_CARD,
    "mobile": privacy._CN_MOBILE,
    "landline": privacy._LANDLINE,
    "email": privacy._EMAIL,
    "plate": privacy._PLATE,
    "door": privacy._DOOR,
    "door_in_chinese_numerals": privacy._DOOR_HAN,
    "introduced_name": privacy._SELF_NAMED,
    "reported_name": privacy._REPORTED,
    "addressed_name": privacy._ADDRESSED,
}


def messages() -> list[str]:
    import openpyxl

    texts = []
    with (DATA / "messages_train_full.csv").open(encoding="utf-8") as f:
        texts += [f"{r['title'] or ''} {r['detail'] or r['text'] or ''}" for r in csv.DictReader(f)]
    book = openpyxl.load_workbook(DATA / "replies_附件4.xlsx", read_only=True)
    rows = list(book.active.iter_rows(values_only=True))[1:]  # type: ignore[union-attr]
    texts += [" ".join(c for c in row if isinstance(c, str)) for row in rows]
    return texts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    texts = messages()
    runs = []
    for _ in range(args.repeat):
        started = time.perf_counter()
        for text in texts:
            privacy.mask_text(text)
        runs.append(time.perf_counter() - started)
    found = {}
    for name, pattern in DETECTORS.items():
        hits = [
            sum(1 for m in pattern.finditer(t) if name != "id_card" or privacy.is_id_card(m.group(0))) for t in texts
        ]
        found[name] = {"matches": sum(hits), "messages": sum(1 for h in hits if h)}
    result = {
        "messages": len(texts),
        "characters": sum(map(len, texts)),
        "seconds_median": round(statistics.median(runs), 3),
        "microseconds_per_message": round(statistics.median(runs) / len(texts) * 1e6, 1),
        "found": found,
        "messages_with_something_masked": sum(1 for t in texts if privacy.mask_text(t) != t),
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "pii_mask.json").write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
