"""Import course catalogs (edX and Udemy CSV exports) into the learner database.

Rows are parsed and validated first; bad rows are reported with file and line
and skipped. Valid rows are then upserted in one transaction per file, keyed by
(source, source_id), so a failed import writes nothing and a repeated import of
the same file changes nothing.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from tqdm import tqdm

from assistant.catalog import normalize as norm
from assistant.db.models import Course

EDX_COLUMNS = {"title", "Level", "subject", "price", "course_url", "course_effort", "course_length"}
UDEMY_COLUMNS = {"course_id", "course_title", "is_paid", "price", "level", "subject"}


class CatalogFormatError(ValueError):
    """The file as a whole cannot be imported (unknown format, unreadable)."""


@dataclass
class RowError:
    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


@dataclass
class ImportReport:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    duplicates: int = 0
    errors: list[RowError] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{self.added} added, {self.updated} updated, {self.unchanged} unchanged, "
            f"{self.duplicates} duplicate rows, {len(self.errors)} bad rows skipped"
        )


def _text(row: dict[str, str | None], key: str) -> str:
    return (row.get(key) or "").strip()


def _edx_record(row: dict[str, str | None]) -> dict[str, Any]:
    title = _text(row, "title")
    if not title:
        raise ValueError("title is empty")
    url = _text(row, "course_url")
    slug = url.rstrip("/").rsplit("/", 1)[-1] if url else ""
    if not slug:
        raise ValueError("course_url is empty")
    price = norm.parse_edx_price(_text(row, "price"))
    effort = norm.parse_weekly_effort(_text(row, "course_effort"))
    weeks = norm.parse_length_weeks(_text(row, "course_length"))
    total = (effort[0] + effort[1]) / 2 * weeks if effort and weeks else None
    return {
        "source": "edx",
        "source_id": slug,
        "title": title,
        "subject": norm.normalise_subject(_text(row, "subject")),
        "level": norm.parse_level(_text(row, "Level")),
        "language": norm.normalise_language(_text(row, "language")),
        "summary": _text(row, "summary"),
        "description": _text(row, "course_description"),
        "syllabus": _text(row, "course_syllabus"),
        "institution": _text(row, "institution"),
        "url": url,
        "price_kind": price.kind,
        "price": price.price,
        "certificate_price": price.certificate_price,
        "weekly_hours_min": effort[0] if effort else None,
        "weekly_hours_max": effort[1] if effort else None,
        "length_weeks": weeks,
        "total_hours": total,
        "popularity": norm.parse_count(_text(row, "n_enrolled")),
    }


def _udemy_record(row: dict[str, str | None]) -> dict[str, Any]:
    title = _text(row, "course_title")
    if not title:
        raise ValueError("course_title is empty")
    course_id = _text(row, "course_id")
    if not course_id.isdigit():
        raise ValueError(f"course_id {course_id!r} is not a number")
    price = norm.parse_udemy_price(_text(row, "is_paid"), _text(row, "price"))
    return {
        "source": "udemy",
        "source_id": course_id,
        "title": title,
        "subject": norm.normalise_subject(_text(row, "subject")),
        "level": norm.parse_level(_text(row, "level")),
        "language": "",  # the Udemy export does not say
        "summary": "",
        "description": "",
        "syllabus": "",
        "institution": "Udemy",
        "url": _text(row, "url"),
        "price_kind": price.kind,
        "price": price.price,
        "certificate_price": None,
        "weekly_hours_min": None,
        "weekly_hours_max": None,
        "length_weeks": None,
        "total_hours": norm.parse_hours(_text(row, "content_duration")),
        "popularity": norm.parse_count(_text(row, "num_subscribers")),
    }


def _detect_format(path: Path, header: list[str]) -> Callable[[dict[str, str | None]], dict[str, Any]]:
    columns = set(header)
    if EDX_COLUMNS <= columns:
        return _edx_record
    if UDEMY_COLUMNS <= columns:
        return _udemy_record
    raise CatalogFormatError(
        f"{path}: not an edX or Udemy catalog (columns: {', '.join(header[:8]) or 'none'})"
    )


def fingerprint(record: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(record, sort_keys=True).encode()).hexdigest()


def read_catalog(path: Path, report: ImportReport) -> Iterator[dict[str, Any]]:
    """Yield normalised course records; record bad rows in ``report``."""
    try:
        handle = path.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise CatalogFormatError(f"{path}: cannot read ({exc.strerror})") from None
    with handle:
        reader = csv.DictReader(handle)
        try:
            header = reader.fieldnames or []
        except (csv.Error, UnicodeDecodeError) as exc:
            raise CatalogFormatError(f"{path}: not a readable CSV file ({exc})") from None
        to_record = _detect_format(path, header)
        seen: set[str] = set()
        line = reader.line_num
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except (csv.Error, UnicodeDecodeError) as exc:
                report.errors.append(RowError(str(path), reader.line_num, f"unreadable row ({exc})"))
                return
            start, line = line + 1, reader.line_num
            if None in row:
                report.errors.append(RowError(str(path), start, "more fields than the header"))
                continue
            try:
                record = to_record(row)
            except ValueError as exc:
                report.errors.append(RowError(str(path), start, str(exc)))
                continue
            if record["source_id"] in seen:
                report.duplicates += 1
                continue
            seen.add(record["source_id"])
            yield record


def import_catalog(session: Session, path: Path, progress: bool = True) -> ImportReport:
    """Upsert one catalog file's valid rows into ``session`` and report what changed.

    The caller owns the transaction: commit after this returns, so a file is
    imported whole or not at all.
    """
    report = ImportReport()
    records = list(read_catalog(path, report))
    existing = {
        (course.source, course.source_id): course
        for course in session.scalars(
            select(Course).where(Course.source.in_({r["source"] for r in records}))
        )
    }
    for record in tqdm(records, desc=f"importing {path.name}", unit="course", disable=not progress):
        digest = fingerprint(record)
        course = existing.get((record["source"], record["source_id"]))
        if course is None:
            session.add(Course(**record, fingerprint=digest))
            report.added += 1
        elif course.fingerprint == digest:
            report.unchanged += 1
        else:
            for key, value in record.items():
                setattr(course, key, value)
            course.fingerprint = digest
            report.updated += 1
    return report
