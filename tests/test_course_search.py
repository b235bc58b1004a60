from assistant.budget import Budget
from assistant.course_search import CourseSearch, effort_text, price_text


def _search(settings, sessions) -> CourseSearch:
    return CourseSearch(sessions, settings.cache_dir / "content-index")


def _titles(result) -> list[str]:
    return [hit.course.title for hit in result.hits]


def test_ranks_on_topic_courses_first_without_duplicate_titles(settings, sample_catalog):
    result = _search(settings, sample_catalog).search("python for data analysis", n=3)
    assert set(_titles(result)) == {"Python for Data Analysis with Pandas", "Data Analysis with Python",
                                    "Advanced Data Science in Python"}
    assert [h.score for h in result.hits] == sorted((h.score for h in result.hits), reverse=True)


def test_budget_filter(settings, sample_catalog):
    search = _search(settings, sample_catalog)
    assert set(_titles(search.search("python for data analysis", Budget(50.0), n=3))) == {
        "Python for Data Analysis with Pandas", "Data Analysis with Python"}
    free = search.search("excel spreadsheets", Budget(0.0, free_only=True), n=3)
    assert _titles(free) == ["Excel Basics for Everyone"]


def test_level_filter(settings, sample_catalog):
    result = _search(settings, sample_catalog).search("guitar", None, "intermediate", n=3)
    assert _titles(result) == ["Jazz Guitar Improvisation"]


def test_unknown_topic_gives_no_hits(settings, sample_catalog):
    result = _search(settings, sample_catalog).search("asdkjh qwerty zxcv", n=3)
    assert result.hits == [] and result.topic_matches == 0


def test_impossible_budget_reports_the_cheapest_alternative(settings, sample_catalog):
    result = _search(settings, sample_catalog).search("jazz guitar", Budget(5.0), n=3)
    assert result.hits == []
    assert result.topic_matches >= 2
    assert result.cheapest is not None and result.cheapest.title == "Guitar for Absolute Beginners"


def test_excluded_courses_are_not_shown(settings, sample_catalog):
    search = _search(settings, sample_catalog)
    first = search.search("guitar", n=1).hits[0].course
    assert first.title not in _titles(search.search("guitar", n=3, exclude_ids=frozenset({first.id})))


def test_reasons_prices_and_effort(settings, sample_catalog):
    hits = {h.course.title: h for h in _search(settings, sample_catalog).search(
        "data analysis", Budget(50.0), n=3).hits}
    audit = hits["Data Analysis with Python"]
    assert price_text(audit.course) == "free to audit, $49 for the certificate"
    assert "free to audit, $49 for the certificate" in audit.reason
    assert effort_text(audit.course) == "3–5 h/week for 5 weeks"
    paid = hits["Python for Data Analysis with Pandas"]
    assert price_text(paid.course) == "$45" and "fits your $50 budget" in paid.reason
    assert effort_text(paid.course) == "6 hours of video, self-paced"


def test_weekly_time_filter_leaves_out_courses_needing_more_hours(settings, sample_catalog):
    search = _search(settings, sample_catalog)
    everything = _titles(search.search("data analysis", n=5))
    assert "Data Analysis with Python" in everything  # 3–5 h/week
    two_hours = _titles(search.search("data analysis", n=5, max_weekly_hours=2))
    assert "Data Analysis with Python" not in two_hours and "Introduction to Statistics" in two_hours  # 2–3 h/week
