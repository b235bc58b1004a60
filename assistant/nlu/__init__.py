"""Custom Rasa NLU components (Python 3.10 runtime: rasa 3.6)."""
