"""Operating the recommender: retrain, compare, promote, roll back, and watch it online."""
