"""Business rules, diversity and explanations."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from recsys.models.ease import EASE
from recsys.rules import Filters, apply_rules, catalog_mask, title_tokens, validate_catalog, near_identical


def mask(catalog, **kw):
    return catalog_mask(validate_catalog(catalog), Filters(**kw))


def test_budget_keeps_free_audit_and_cheap_paid(catalog):
    m = mask(catalog, budget=50)
    for i, row in catalog.iterrows():
        expected = row["price_kind"] != "paid" or row["price"] <= 50
        assert m[i] == expected, i
    assert m.sum() < len(catalog)


def test_certificate_must_fit_budget_when_wanted(catalog):
    audit = catalog["price_kind"] == "audit"
    assert mask(catalog, budget=40)[audit.to_numpy()].all()
    assert not mask(catalog, budget=40, want_certificate=True)[audit.to_numpy()].any()
    assert mask(catalog, budget=49, want_certificate=True)[audit.to_numpy()].all()


def test_level_language_effort(catalog):
    np.testing.assert_array_equal(mask(catalog, levels=["Advanced"]), catalog["level"] == "advanced")
    # '' (unknown) language matches; case is ignored.
    np.testing.assert_array_equal(mask(catalog, language="English"), catalog["language"].isin(["English", "", "english"]))
    # unknown effort (None) matches; minimum effort must fit.
    expected = catalog["weekly_hours_min"].isna() | (catalog["weekly_hours_min"] <= 3)
    np.testing.assert_array_equal(mask(catalog, max_weekly_hours=3), expected)


def test_bad_filters_and_catalogues_are_clear_errors(catalog):
    with pytest.raises(ValueError, match="budget"):
        Filters(budget=-5)
    with pytest.raises(ValueError, match="level"):
        Filters(levels=["expert"])
    with pytest.raises(ValueError, match="price"):
        validate_catalog(catalog.drop(columns=["price"]))
    bad = catalog.copy()
    bad.loc[0, "price_kind"] = "subscription"
    with pytest.raises(ValueError, match="subscription"):
        validate_catalog(bad)
    with pytest.raises(ValueError, match="rows"):
        validate_catalog(catalog, n_items=3)


def test_series_titles_are_near_identical():
    assert near_identical(title_tokens("Python Programming I"), title_tokens("Python Programming, Part 2"))
    assert not near_identical(title_tokens("Python Programming"), title_tokens("French Cooking"))


def test_diversity_forbids_a_third_near_identical_title():
    cat = validate_catalog(
        pd.DataFrame(
            {
                "id": [1, 2, 3, 4, 5],
                "title": ["Python Programming I", "Python Programming II", "Python Programming III", "French Cooking", "Data Ethics"],
                "level": "beginner",
                "language": "",
                "price_kind": "free",
                "price": 0.0,
            }
        )
    )
    scores = np.array([5.0, 4.0, 3.0, 2.0, 1.0])
    ranked, _ = apply_rules(scores, np.array([], dtype=int), 4, Filters(), cat)
    assert ranked == [0, 1, 3, 4]
    ranked, _ = apply_rules(scores, np.array([], dtype=int), 4, Filters(diversity=False), cat)
    assert ranked == [0, 1, 2, 3]


def test_reasons_name_the_link_and_the_price(tiny, catalog):
    x, *_ = tiny
    model = EASE(l2=10.0).fit(x, show_progress=False).set_catalog(catalog)
    recs = model.recommend([0, 5, 9], n=6, filters=Filters(budget=50))
    assert len(recs) == 6
    titles = set(catalog["title"])
    for r in recs:
        assert r.item < 20  # same cluster: co-enrolments exist
        assert r.reason.startswith("learners who took ")
        took = r.reason[len("learners who took ") :].split(" also took ")[0]
        assert took in {catalog["title"][i] for i in (0, 5, 9)} and took in titles
        kind = catalog["price_kind"][r.item]
        if kind == "paid":
            assert "fits your $50 budget" in r.reason and r.flags == ("paid", "within_budget")
        elif kind == "audit":
            assert "free to audit, $49 for the certificate" in r.reason and "audit" in r.flags
        else:
            assert r.reason.endswith("free")


def test_owned_courses_are_excluded(tiny):
    x, *_ = tiny
    model = EASE(l2=10.0).fit(x, show_progress=False)
    owned = list(range(10, 20))
    recs = model.recommend([0, 5, 9], n=30, filters=Filters(exclude=owned))
    assert not {r.item for r in recs} & (set(owned) | {0, 5, 9})
