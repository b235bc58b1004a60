"""Contract tests every recommender must pass (implicit-style mixin).

Each concrete ``Test<Model>`` class only says how to build a small, fast
instance; the mixin runs the shared checks on the two-cluster matrix.
"""

from __future__ import annotations

import pickle

import numpy as np
import pytest
import scipy.sparse as sp
from recsys_testlib import CLUSTER_A, N_ITEMS

from recsys.base import NotFittedError, RecommenderBase
from recsys.rules import Filters


class RecommenderContract:
    """Mixin: subclasses define :meth:`make` returning an unfitted model."""

    #: Whether the model is expected to personalise (popularity is not).
    personalised = True

    def make(self) -> RecommenderBase:  # pragma: no cover - overridden
        raise NotImplementedError

    @pytest.fixture(scope="class")
    def fitted(self, tiny):
        x, _labels, uf, itf = tiny
        model = self.make()
        model.fit_result = model.fit(x, user_features=uf, item_features=itf, show_progress=False)
        return model

    def test_fit_returns_self_and_sizes(self, fitted, tiny):
        x, *_ = tiny
        assert fitted.fit_result is fitted
        assert (fitted.n_users_, fitted.n_items_) == x.shape

    def test_score_shape_and_finite(self, fitted, tiny):
        x, *_ = tiny
        scores = fitted.score(x[:7])
        assert scores.shape == (7, N_ITEMS)
        assert np.isfinite(scores).all()

    def test_recommend_is_sorted_unique_and_excludes_history(self, fitted):
        history = [0, 1, 2]
        recs = fitted.recommend(history, n=10)
        items = [r.item for r in recs]
        assert len(items) == 10 and len(set(items)) == 10
        assert not set(items) & set(history)
        scores = [r.score for r in recs]
        assert scores == sorted(scores, reverse=True)

    def test_fold_in_new_learner_gets_their_cluster(self, fitted):
        # A learner never seen in training, known only by three cluster-A courses.
        recs = fitted.recommend([0, 5, 9], n=5)
        in_a = sum(r.item in set(CLUSTER_A) for r in recs)
        if self.personalised:
            assert in_a >= 4, [r.item for r in recs]
        else:
            assert in_a <= 1  # popularity favours the bigger cluster B

    def test_fold_in_matches_known_learner_ranking_quality(self, fitted, tiny):
        # Scoring training rows as *new* learners (no userids) still ranks own-cluster courses first.
        x, labels, *_ = tiny
        if not self.personalised:
            pytest.skip("popularity does not personalise")
        scores = fitted.score(x)
        scores[x.nonzero()] = -np.inf
        top = np.argsort(-scores, axis=1)[:, :3]
        own = np.where(labels[:, None] == 0, top < 20, top >= 20)
        assert own.mean() >= 0.8

    def test_empty_history_still_recommends(self, fitted):
        recs = fitted.recommend([], n=3)
        assert len(recs) == 3

    def test_exclude_filter_and_reason(self, fitted):
        recs = fitted.recommend([0, 5, 9], n=N_ITEMS, filters=Filters(exclude={1, 2, 3}))
        items = {r.item for r in recs}
        assert not items & {0, 1, 2, 3, 5, 9}
        assert len(recs) == N_ITEMS - 6
        assert all(r.reason for r in recs)

    def test_budget_filter_with_catalog(self, fitted, catalog):
        fitted.set_catalog(catalog)
        try:
            recs = fitted.recommend([0, 5, 9], n=10, filters=Filters(budget=50))
            for r in recs:
                row = catalog.iloc[r.item]
                assert row["price_kind"] != "paid" or row["price"] <= 50
                assert r.course_id == row["id"]
        finally:
            fitted.catalog = None

    def test_unknown_course_index_is_a_clear_error(self, fitted):
        with pytest.raises(ValueError, match="unknown course index"):
            fitted.recommend([N_ITEMS + 5])

    def test_catalog_filter_without_catalog_is_a_clear_error(self, fitted):
        with pytest.raises(ValueError, match="catalogue"):
            fitted.recommend([0], filters=Filters(budget=10))

    def test_unfitted_model_raises(self):
        with pytest.raises(NotFittedError):
            self.make().recommend([0])

    def test_pickle_round_trip_keeps_scores(self, fitted, tiny):
        x, *_ = tiny
        clone = pickle.loads(pickle.dumps(fitted))
        np.testing.assert_allclose(clone.score(x[:5]), fitted.score(x[:5]), rtol=1e-5, atol=1e-5)

    def test_rejects_bad_input(self):
        model = self.make()
        with pytest.raises(ValueError):
            model.fit(sp.csr_matrix((3, 4)), show_progress=False)
        with pytest.raises(ValueError):
            model.fit(sp.csr_matrix(-np.ones((3, 4))), show_progress=False)


class TestPopularity(RecommenderContract):
    personalised = False

    def make(self):
        from recsys.models.popularity import Popularity

        return Popularity()


class TestItemKNN(RecommenderContract):
    def make(self):
        from recsys.models.itemknn import ItemKNN

        return ItemKNN(k=10)


class TestEASE(RecommenderContract):
    def make(self):
        from recsys.models.ease import EASE

        return EASE(l2=10.0)


class TestSVD(RecommenderContract):
    def make(self):
        from recsys.models.svd import SVDProfiles

        return SVDProfiles(n_components=4)


class TestALS(RecommenderContract):
    def make(self):
        from recsys.models.implicit_mf import ALS

        return ALS(factors=8, iterations=10)


class TestBPR(RecommenderContract):
    def make(self):
        from recsys.models.implicit_mf import BPR

        return BPR(factors=8, iterations=200, learning_rate=0.05)


class TestBiVAE(RecommenderContract):
    def make(self):
        from recsys.models.bivae import BiVAE

        return BiVAE(k=4, encoder_structure=(16,), n_epochs=60, batch_size=32, learning_rate=0.01, likelihood="bern")


class TestKeras(RecommenderContract):
    def make(self):
        from recsys.models.keras_profile import KerasProfile

        return KerasProfile(n_factors=4, n_content=2, hidden=(16,), max_epochs=25, patience=5, batch_size=64, learning_rate=0.01, dropout=0.1, n_threads=1)


class TestHybrid(RecommenderContract):
    def make(self):
        from recsys.models.ease import EASE
        from recsys.models.hybrid import Hybrid
        from recsys.models.popularity import Popularity
        from recsys.models.svd import SVDProfiles

        return Hybrid({"ease": EASE(l2=10.0), "svd": SVDProfiles(n_components=4), "pop": Popularity()}, val_fraction=0.3)


class TestKerasSequence(RecommenderContract):
    def make(self):
        from recsys.models.keras_sequence import KerasSequence

        return KerasSequence(
            n_factors=4, n_content=2, hidden=(16,), emb_dim=4, last_k=2, max_epochs=30, patience=5,
            batch_size=32, learning_rate=0.01, dropout=0.1, n_threads=1,
        )


class TestHybridOrdered(RecommenderContract):
    def make(self):
        from recsys.models.ease import EASE
        from recsys.models.hybrid import Hybrid
        from recsys.models.keras_sequence import KerasSequence

        seq = KerasSequence(n_factors=4, n_content=2, hidden=(16,), emb_dim=4, last_k=2, max_epochs=20, batch_size=32, learning_rate=0.01, n_threads=1)
        return Hybrid({"ease": EASE(l2=10.0), "keras_seq": seq}, val_fraction=0.3, ordered_input=True)


class TestMarkov(RecommenderContract):
    def make(self):
        from recsys.models.markov import Markov

        return Markov()
