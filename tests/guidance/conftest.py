"""Shared fixtures: a small hand-made catalog with known prerequisites."""

from __future__ import annotations

import pytest

from assistant.guidance.graph import PrerequisiteGraph
from assistant.guidance.planner import GuidancePlanner
from assistant.guidance.schema import CourseInfo

DATA = "Data Analysis & Statistics"
CS = "Computer Science"


def make_catalog() -> list[CourseInfo]:
    return [
        CourseInfo("sql-basics", "Relational Databases and SQL", DATA, "beginner",
                   summary="Learn SQL queries and relational database design.",
                   price_kind="audit", certificate_price=49, weekly_hours_min=2, weekly_hours_max=3,
                   length_weeks=4, popularity=900, skills=("sql-select", "sql-keys")),
        CourseInfo("sql-analysis", "Data Analysis with SQL", DATA, "intermediate",
                   summary="Analyze data with SQL joins and aggregates for data analysis.",
                   description="Answer business questions with SQL. Prerequisites: Relational Databases and SQL.",
                   price_kind="audit", certificate_price=99, weekly_hours_min=3, weekly_hours_max=5,
                   length_weeks=4, popularity=500, skills=("sql-joins", "sql-aggregates")),
        CourseInfo("excel", "Excel for Data Analysis", DATA, "beginner",
                   summary="Spreadsheets, pivot tables and charts for data analysis.",
                   price_kind="paid", price=59, total_hours=12, popularity=800, skills=("excel-pivots",)),
        CourseInfo("stats-analysts", "Statistics for Data Analysts", DATA, "intermediate",
                   summary="Statistics and data visualization for data analysts.",
                   price_kind="paid", price=150, total_hours=20, popularity=300, skills=("stats-tests",)),
        CourseInfo("python", "Python Programming Basics", CS, "beginner",
                   summary="Variables, loops and functions in Python.", price_kind="free",
                   total_hours=10, popularity=2000, skills=("py-loops",)),
        CourseInfo("deep-learning", "Deep Learning", CS, "advanced",
                   summary="Neural networks with Python.", price_kind="audit", certificate_price=199,
                   weekly_hours_min=6, weekly_hours_max=8, length_weeks=10, popularity=400,
                   skills=("dl-backprop",)),
    ]


SIMILAR = {("sql-basics", "sql-analysis"), ("excel", "stats-analysts"), ("python", "deep-learning")}


def similar(a: CourseInfo, b: CourseInfo) -> float:
    return 0.9 if (a.id, b.id) in SIMILAR else 0.0


@pytest.fixture
def catalog() -> list[CourseInfo]:
    return make_catalog()


@pytest.fixture
def graph(catalog) -> PrerequisiteGraph:
    return PrerequisiteGraph(catalog, similarity=similar)


@pytest.fixture
def planner(catalog, graph) -> GuidancePlanner:
    return GuidancePlanner(catalog, graph=graph)
