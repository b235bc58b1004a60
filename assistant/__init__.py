"""Pathwise: a conversational learning-guidance assistant.

Kept import-light on purpose: the Rasa runtime (Python 3.10) imports
``assistant.nlu`` and must not pull in the 3.11-only dependencies.
"""
