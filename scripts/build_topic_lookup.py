"""Build the NLU topic lookup table from the course catalog.

Usage: python scripts/build_topic_lookup.py [--check]

Reads the `subject` column of data/catalog/edx_courses.csv and
data/catalog/udemy_courses.csv and writes data/nlu/lookups/topics.yml, a Rasa
`lookup: topic` table holding:

- every catalog subject, lowercased ("data analysis & statistics"), the same
  with "and" instead of "&", and each part of a compound subject on its own
  ("data analysis", "statistics");
- the common topic words below (COMMON_TOPICS) that occur in at least one
  course title of the catalog, so the table only names topics we can serve.

Hand-written topic synonyms ("ml" -> "machine learning") live next to it in
data/nlu/lookups/synonyms.yml and are not touched by this script.

With --check the script writes nothing and exits with status 1 when the file
on disk differs from what it would generate.

A lookup table is only used as a feature by a RegexFeaturizer with
`use_lookup_tables` enabled; it does not annotate anything by itself.
"""

from __future__ import annotations

import csv
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CATALOGS = {
    # file: (subject column, title column)
    "data/catalog/edx_courses.csv": ("subject", "title"),
    "data/catalog/udemy_courses.csv": ("subject", "course_title"),
}
OUTPUT = "data/nlu/lookups/topics.yml"

# Topic words learners type. Kept only when a catalog course title contains
# them (whole words, case-insensitive). Short or everyday words that would
# fire the lookup feature in ordinary sentences ("go", "r", "art") are left out.
COMMON_TOPICS = [
    "accounting", "adobe illustrator", "agile", "algebra", "algorithms",
    "android", "angular", "animation", "artificial intelligence", "astronomy",
    "astrophysics", "bass guitar", "bitcoin", "blockchain", "bookkeeping",
    "bootstrap", "branding", "business analytics", "calculus", "chinese",
    "circuits", "climate change", "cloud computing", "copywriting",
    "creative writing", "cryptocurrency", "css", "cybersecurity",
    "data science", "data structures", "data visualization", "databases",
    "deep learning", "digital marketing", "django", "drawing", "drums",
    "economics", "entrepreneurship", "excel", "finance",
    "financial accounting", "financial analysis", "financial modeling",
    "forex", "forex trading", "french", "game development", "genetics",
    "german", "git", "graphic design", "guitar", "html", "html5", "illustrator",
    "investing", "ios", "java", "javascript", "jquery", "laravel",
    "leadership", "linear algebra", "logo design", "machine learning",
    "macroeconomics", "marketing", "microeconomics", "mobile apps", "mysql",
    "negotiation", "neuroscience", "node.js", "nutrition", "options trading",
    "photography", "photoshop", "php", "physics", "piano", "probability",
    "project management", "psychology", "public health", "public speaking",
    "python", "react", "renewable energy", "ruby on rails", "sales", "seo",
    "singing", "spanish", "sql", "statistics", "stock trading",
    "supply chain", "sustainability", "swift", "tableau", "trading",
    "typescript", "ukulele", "user experience", "ux design", "violin",
    "web design", "web development", "wordpress", "writing",
]
MIN_LENGTH = 3


def read_rows(path: Path):
    with path.open(encoding="utf-8", newline="") as handle:
        yield from csv.DictReader(handle)


def subject_entries(subject: str) -> set[str]:
    """'Data Analysis & Statistics' -> the whole name, an 'and' form and the parts."""
    name = " ".join(subject.lower().split())
    if not name:
        return set()
    entries = {name}
    if "&" in name:
        entries.add(" ".join(name.replace("&", " and ").split()))
        entries.update(part.strip() for part in name.split("&"))
    return {entry for entry in entries if len(entry) >= MIN_LENGTH}


def build(root: Path = ROOT) -> tuple[list[str], list[str], list[str]]:
    """Return (subject entries, common topic words kept, common words dropped)."""
    subjects: set[str] = set()
    titles: list[str] = []
    for name, (subject_column, title_column) in CATALOGS.items():
        for row in read_rows(root / name):
            subjects.update(subject_entries(row.get(subject_column) or ""))
            titles.append((row.get(title_column) or "").lower())
    corpus = "\n".join(titles)
    kept, dropped = [], []
    for word in sorted(set(COMMON_TOPICS)):
        pattern = r"(?<![\w.])" + re.escape(word) + r"(?![\w])"
        (kept if re.search(pattern, corpus) else dropped).append(word)
    kept = [word for word in kept if word not in subjects]
    return sorted(subjects), kept, dropped


def render(subjects: list[str], common: list[str]) -> str:
    lines = [
        "# GENERATED FILE: do not edit by hand.",
        "# Built by scripts/build_topic_lookup.py from the `subject` column of",
        "# data/catalog/edx_courses.csv and data/catalog/udemy_courses.csv (subject",
        "# names, their 'and' forms and their parts), followed by the script's list of",
        "# common topic words that occur in at least one catalog course title.",
        "# Rebuild with: python scripts/build_topic_lookup.py",
        "# Hand-written topic synonyms are in synonyms.yml next to this file.",
        f"# {len(subjects)} subject entries first, then {len(common)} common topic words.",
        'version: "3.1"',
        "nlu:",
        "- lookup: topic",
        "  examples: |",
    ]
    lines += [f"    - {entry}" for entry in subjects + common]
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    subjects, common, dropped = build()
    text = render(subjects, common)
    out = ROOT / OUTPUT
    if "--check" in argv:
        current = out.read_text(encoding="utf-8") if out.exists() else ""
        if current != text:
            print(f"{OUTPUT} is out of date: run python scripts/build_topic_lookup.py")
            return 1
        print(f"{OUTPUT} is up to date")
        return 0
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    print(f"wrote {OUTPUT}: {len(subjects)} subject entries, {len(common)} common topic words")
    if dropped:
        print("not in any catalog title, left out: " + ", ".join(dropped))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
