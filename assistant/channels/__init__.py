"""Rasa input channels with the assistant's guards (message size, rate per sender, no silent turns).

Rasa (Python 3.10) imports these through ``credentials.yml``; only
:mod:`assistant.channels.limits` is free of Rasa imports.
"""
