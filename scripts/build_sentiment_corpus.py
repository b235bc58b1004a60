"""Rebuild data/sentiment/*.csv from the public corpora they come from.

Usage: python scripts/build_sentiment_corpus.py SHARED_DATA_DIR

- vader_polarity.csv: VADER ground truth (Hutto & Gilbert, ICWSM 2014, MIT):
  tweets and Amazon review snippets; mean rating > 0.05 → positive,
  < -0.05 → negative, otherwise neutral (the paper's 3-class split).
- forum_help_need.csv: Coursera forum posts coded for urgency 1–7 (Penn Center
  for Learning Analytics, MIT); urgency >= 4 → the learner needs help.
Each output row is: source, text, polarity, affect, help_need (blank = unknown).
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

FIELDS = ["source", "text", "polarity", "affect", "help_need"]


def vader_rows(folder: Path):
    for name in ("tweets_GroundTruth.txt", "amazonReviewSnippets_GroundTruth.txt"):
        for line in (folder / name).read_text(encoding="utf-8", errors="replace").splitlines():
            parts = line.split("\t")
            if len(parts) < 3:
                continue
            score, text = float(parts[1]), "\t".join(parts[2:]).strip()
            polarity = "positive" if score > 0.05 else "negative" if score < -0.05 else "neutral"
            yield {"source": f"vader:{name.split('_')[0]}", "text": text, "polarity": polarity}


def forum_rows(folder: Path):
    for path in sorted(folder.glob("*_CODED.csv")):
        with path.open(encoding="utf-8", errors="replace", newline="") as handle:
            for row in csv.DictReader(handle):
                text = " ".join((row.get("post_text") or "").split())
                try:
                    urgency = float(row.get("Urgency_1_7") or "")
                except ValueError:
                    continue
                if text:
                    yield {"source": f"forum:{path.stem}", "text": text, "help_need": int(urgency >= 4)}


def write(path: Path, rows) -> int:
    count = 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, FIELDS)
        writer.writeheader()
        for row in rows:
            writer.writerow(row)
            count += 1
    return count


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit("usage: python scripts/build_sentiment_corpus.py SHARED_DATA_DIR")
    shared = Path(sys.argv[1])
    out = Path(__file__).resolve().parent.parent / "data" / "sentiment"
    print("vader_polarity.csv:", write(out / "vader_polarity.csv", vader_rows(shared / "sentiment")))
    print("forum_help_need.csv:", write(out / "forum_help_need.csv", forum_rows(shared / "forum-urgency")))


if __name__ == "__main__":
    main()
