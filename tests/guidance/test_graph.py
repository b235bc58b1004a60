"""Prerequisite inference, staff overrides and acyclicity."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.guidance.graph import OverrideError, PrerequisiteGraph, prerequisite_phrases

from .conftest import make_catalog


def test_prerequisite_phrases_skip_negations():
    assert prerequisite_phrases("Prerequisites: Relational Databases and SQL.") == ["Relational Databases and SQL"]
    assert prerequisite_phrases("Databases: Advanced SQL (prerequisite: Relational Databases and SQL)") == [
        "Relational Databases and SQL"]
    assert prerequisite_phrases("There are no prerequisites for this course.") == []
    assert prerequisite_phrases("Prerequisites: none.") == []


def test_edges_from_level_similarity_and_text(graph):
    edges = graph.edges
    assert ("excel", "stats-analysts") in edges and edges[("excel", "stats-analysts")].source == "level"
    assert ("python", "deep-learning") in edges
    # the text edge wins the key (same pair): its reason cites the description
    assert "lists 'Relational Databases and SQL' as a prerequisite" in edges[("sql-basics", "sql-analysis")].reason
    # no edge across subjects or downwards in level
    assert ("python", "sql-analysis") not in edges
    assert ("sql-analysis", "sql-basics") not in edges
    assert graph.find_cycle() is None


def test_similarity_matrix_is_accepted_and_checked():
    courses = make_catalog()
    n = len(courses)
    m = np.zeros((n, n))
    m[2, 3] = 0.8  # excel -> stats
    g = PrerequisiteGraph(courses, similarity=m)
    assert ("excel", "stats-analysts") in g.edges
    assert ("python", "deep-learning") not in g.edges
    with pytest.raises(ValueError, match="shape"):
        PrerequisiteGraph(courses, similarity=np.zeros((2, 2)))


def test_topological_order_puts_prerequisites_first(graph):
    assert graph.topological(["stats-analysts", "sql-analysis", "excel", "sql-basics"]) == [
        "excel", "sql-basics", "sql-analysis", "stats-analysts"]
    assert graph.ancestors("sql-analysis") == {"sql-basics"}


def test_yaml_override_adds_and_removes(graph, tmp_path):
    f = tmp_path / "prereqs.yml"
    f.write_text(
        "version: '2026-12-01'\n"
        "add:\n  - {before: excel, after: sql-analysis, reason: 'joins need spreadsheet basics'}\n"
        "remove:\n  - {before: python, after: deep-learning}\n")
    graph.apply_overrides(f)
    assert graph.edges[("excel", "sql-analysis")].source == "override"
    assert ("python", "deep-learning") not in graph.edges
    assert graph.override_version == "2026-12-01"


def test_csv_override_by_title(graph, tmp_path):
    f = tmp_path / "prereqs.csv"
    f.write_text("# version: v3\naction,before,after,reason\nadd,Python Programming Basics,Data Analysis with SQL,staff\n")
    graph.apply_overrides(f)
    assert ("python", "sql-analysis") in graph.edges
    assert graph.override_version == "v3"


def test_cycle_override_is_rejected_with_the_edge_named(graph, tmp_path):
    f = tmp_path / "bad.yml"
    f.write_text("add:\n  - {before: excel, after: python}\n  - {before: sql-analysis, after: sql-basics}\n")
    before = dict(graph.edges)
    with pytest.raises(OverrideError) as err:
        graph.apply_overrides(f)
    msg = str(err.value)
    assert "'Data Analysis with SQL' -> 'Relational Databases and SQL'" in msg
    assert "add[1]" in msg and "cycle" in msg
    assert graph.edges == before  # all-or-nothing
    assert graph.find_cycle() is None


def test_unknown_course_and_missing_edge_errors(graph, tmp_path):
    f = tmp_path / "bad.csv"
    f.write_text("action,before,after\nadd,excel,no-such-course\n")
    with pytest.raises(OverrideError, match=r"bad.csv line 2: course 'no-such-course' is not in the catalog"):
        graph.apply_overrides(f)
    f.write_text("action,before,after\nremove,excel,python\n")
    with pytest.raises(OverrideError, match="no such edge"):
        graph.apply_overrides(f)
    f.write_text("before,after\nexcel,python\n")
    with pytest.raises(OverrideError, match="missing column"):
        graph.apply_overrides(f)


def test_text_edge_closing_a_cycle_is_dropped_with_warning():
    from assistant.guidance.schema import CourseInfo

    a = CourseInfo("a", "Alpha Topics", "X", "beginner", description="Prerequisites: Beta Topics.")
    b = CourseInfo("b", "Beta Topics", "X", "beginner", description="Prerequisites: Alpha Topics.")
    g = PrerequisiteGraph([a, b], similarity=lambda x, y: 0.0)
    assert len([e for e in g.edges.values() if e.source == "text"]) == 1
    assert g.warnings and "cycle" in g.warnings[0]
    assert g.find_cycle() is None
