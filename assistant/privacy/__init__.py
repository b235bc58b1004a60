"""Privacy: redaction of contact details, the tracker store that applies it, retention.

Imported by both runtimes (Rasa's tracker store runs on Python 3.10), so this
package imports nothing at package level.
"""
