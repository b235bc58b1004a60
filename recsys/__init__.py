"""Course recommender library. Import-light: submodules load their own heavy deps."""
