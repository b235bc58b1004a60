"""cornac's BiVAE (Truong et al., WSDM 2021) behind :class:`recsys.base.RecommenderBase`.

Fold-in uses BiVAE's own user encoder: a new learner's history row is
encoded to ``theta`` and decoded against the course posteriors ``beta``.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from recsys.base import RecommenderBase


class BiVAE(RecommenderBase):
    """Bilateral variational autoencoder (cornac ``BiVAECF``).

    cornac binarises the interaction matrix, so weights only matter as 0/1.

    Defaults follow Microsoft Recommenders' MovieLens-100K notebook
    (k=50, encoder [100], tanh, Poisson likelihood, 500 epochs, batch 128, lr 1e-3).

    Args:
        k: Latent dimension.
        encoder_structure: Hidden layer sizes of both encoders.
        act_fn: Activation name.
        likelihood: ``pois``, ``bern``, ``gaus`` or ``pois``.
        n_epochs: Training epochs.
        batch_size: Mini-batch size.
        learning_rate: Adam step size.
        seed: Torch seed.
    """

    def __init__(
        self,
        k: int = 50,
        encoder_structure: tuple[int, ...] = (100,),
        act_fn: str = "tanh",
        likelihood: str = "pois",
        n_epochs: int = 500,
        batch_size: int = 128,
        learning_rate: float = 0.001,
        seed: int = 0,
    ) -> None:
        self.k = k
        self.encoder_structure = encoder_structure
        self.act_fn = act_fn
        self.likelihood = likelihood
        self.n_epochs = n_epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.seed = seed

    def _fit(self, x: sp.csr_matrix, user_features, item_features, show_progress: bool) -> None:
        import cornac

        coo = x.tocoo()
        triplets = list(zip(coo.row.astype(str), coo.col.astype(str), coo.data.astype(float)))
        train_set = cornac.data.Dataset.from_uir(triplets, seed=self.seed)
        self.model_ = cornac.models.BiVAECF(
            k=self.k,
            encoder_structure=list(self.encoder_structure),
            act_fn=self.act_fn,
            likelihood=self.likelihood,
            n_epochs=self.n_epochs,
            batch_size=self.batch_size,
            learning_rate=self.learning_rate,
            seed=self.seed,
            use_gpu=False,
            verbose=show_progress,
        ).fit(train_set)
        # column index -> cornac item index (-1 for courses nobody took)
        self.item_map_ = np.full(x.shape[1], -1, dtype=np.int64)
        for raw, idx in train_set.iid_map.items():
            self.item_map_[int(raw)] = idx
        self.user_map_ = np.full(x.shape[0], -1, dtype=np.int64)
        for raw, idx in train_set.uid_map.items():
            self.user_map_[int(raw)] = idx

    def _score(self, h: sp.csr_matrix, user_features, userids) -> np.ndarray:
        import torch

        net = self.model_.bivae
        known_cols = self.item_map_ >= 0
        n_cornac = int(self.item_map_.max()) + 1
        out = np.full((h.shape[0], self.n_items_), -np.inf, dtype=np.float32)
        with torch.no_grad():
            beta = net.mu_beta
            theta = torch.zeros((h.shape[0], beta.shape[1]), dtype=beta.dtype)
            known = np.zeros(h.shape[0], dtype=bool)
            if userids is not None:
                valid = (userids >= 0) & (userids < self.user_map_.size)
                idx = np.where(valid, self.user_map_[np.clip(userids, 0, self.user_map_.size - 1)], -1)
                known = idx >= 0
                if known.any():
                    theta[torch.from_numpy(np.flatnonzero(known))] = net.mu_theta[torch.from_numpy(idx[known])]
            if (~known).any():
                rows = h[~known]
                dense = np.zeros((rows.shape[0], n_cornac), dtype=np.float32)
                coo = rows.tocoo()
                keep = self.item_map_[coo.col] >= 0
                dense[coo.row[keep], self.item_map_[coo.col[keep]]] = 1.0  # cornac trains on 0/1
                mu, _ = net.encode_user(torch.from_numpy(dense).to(beta.dtype))
                theta[torch.from_numpy(np.flatnonzero(~known))] = mu
            scores = net.decode_user(theta, beta).cpu().numpy()
        out[:, known_cols] = scores[:, self.item_map_[known_cols]]
        if not known_cols.all():  # courses absent from training rank last, with a finite score
            out[:, ~known_cols] = scores.min(axis=1, keepdims=True) - 1.0
        return out
