"""Custom actions for the Rasa action server (rasa-sdk, Python 3.11 runtime).

Actions are thin: they read the tracker, call the library code in
``assistant`` and ``recsys``, and turn the result into messages and events.
"""
