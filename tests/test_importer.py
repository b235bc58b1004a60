from pathlib import Path

import pytest
from sqlalchemy import func, select

from assistant.__main__ import main
from assistant.catalog.importer import CatalogFormatError, import_catalog
from assistant.config import PROJECT_ROOT
from assistant.db.models import Course

EDX = PROJECT_ROOT / "data" / "catalog" / "edx_courses.csv"
UDEMY = PROJECT_ROOT / "data" / "catalog" / "udemy_courses.csv"
UDEMY_HEADER = ("course_id,course_title,url,is_paid,price,num_subscribers,num_reviews,num_lectures,level,"
                "content_duration,published_timestamp,subject\n")


def _import(sessions, path):
    with sessions() as session, session.begin():
        return import_catalog(session, path, progress=False)


def _count(sessions) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(Course))


def test_demo_catalog_imports_and_reimport_changes_nothing(sessions):
    edx, udemy = _import(sessions, EDX), _import(sessions, UDEMY)
    assert (edx.added, edx.duplicates, len(edx.errors)) == (974, 1, 0)
    assert (udemy.added, udemy.duplicates, len(udemy.errors)) == (3672, 6, 0)
    again = _import(sessions, EDX)
    assert (again.added, again.updated, again.unchanged) == (0, 0, 974)
    assert _count(sessions) == 974 + 3672
    with sessions() as session:
        course = session.scalars(select(Course).where(Course.title == "How to Learn Online")).one()
    assert (course.price_kind, course.certificate_price, course.level) == ("audit", 49.0, "beginner")
    assert (course.weekly_hours_min, course.weekly_hours_max, course.length_weeks) == (2.0, 3.0, 2.0)


def test_bad_rows_are_reported_with_line_and_skipped(sessions, tmp_path: Path):
    path = tmp_path / "udemy.csv"
    path.write_text(
        UDEMY_HEADER
        + "1,Good course,https://x/1,TRUE,20,5,1,3,Beginner Level,1.5,2017-01-01T00:00:00Z,Web Development\n"
        + "2,Bad level,https://x/2,TRUE,20,5,1,3,Banana Level,1.5,2017-01-01T00:00:00Z,Web Development\n"
        + "3,,https://x/3,TRUE,20,5,1,3,Beginner Level,1.5,2017-01-01T00:00:00Z,Web Development\n"
        + "4,Negative,https://x/4,TRUE,-5,5,1,3,Beginner Level,1.5,2017-01-01T00:00:00Z,Web Development\n"
    )
    report = _import(sessions, path)
    assert report.added == 1
    assert [str(error) for error in report.errors] == [
        f"{path}:3: level 'Banana Level' is not a known level (e.g. Introductory, Intermediate Level, Expert)",
        f"{path}:4: course_title is empty",
        f"{path}:5: price '-5' is negative",
    ]


def test_changed_row_updates_in_place(sessions, tmp_path: Path):
    path = tmp_path / "udemy.csv"
    row = "7,Course,https://x/7,TRUE,{price},5,1,3,Beginner Level,2,2017-01-01T00:00:00Z,Graphic Design\n"
    path.write_text(UDEMY_HEADER + row.format(price=20))
    _import(sessions, path)
    path.write_text(UDEMY_HEADER + row.format(price=30))
    report = _import(sessions, path)
    assert (report.added, report.updated) == (0, 1)
    with sessions() as session:
        assert session.scalars(select(Course.price)).one() == 30.0


def test_failed_import_writes_nothing(sessions, tmp_path: Path, monkeypatch):
    path = tmp_path / "udemy.csv"
    path.write_text(UDEMY_HEADER + "".join(
        f"{i},Course {i},https://x/{i},TRUE,20,5,1,3,Beginner Level,2,2017-01-01T00:00:00Z,Graphic Design\n"
        for i in range(1, 4)))
    original = Course.__init__
    calls = {"n": 0}

    def failing_init(self, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("disk full")
        original(self, **kwargs)

    monkeypatch.setattr(Course, "__init__", failing_init)
    with pytest.raises(RuntimeError):
        _import(sessions, path)
    assert _count(sessions) == 0


def test_unknown_format_is_one_clear_error(sessions, tmp_path: Path):
    path = tmp_path / "other.csv"
    path.write_text("name,colour\nx,y\n")
    with pytest.raises(CatalogFormatError, match="not an edX or Udemy catalog"):
        _import(sessions, path)


def test_cli_reports_one_line_and_exit_code_2(tmp_path: Path, monkeypatch, capsys):
    monkeypatch.setenv("ASSISTANT_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("ASSISTANT_DB_URL", raising=False)
    assert main(["import-catalog", str(tmp_path / "missing.csv")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"error: {tmp_path / 'missing.csv'}: cannot read (No such file or directory)"]
