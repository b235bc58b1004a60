"""``rasa`` with one fix for Rasa 3.6.21, for the Rasa runtime (Python 3.10).

Rasa checks every action server response with ``jsonschema.validate``, which
first checks Rasa's response *schema* against the JSON Schema 2020-12
meta-schema, on every call. Measured with a sampling profiler under
``bench/load.py``, that check was about half of the Rasa server's CPU time per
turn. The schema is Rasa's own constant, so it is checked once here and the
validator reused. Every response is still validated. A response that fails
goes through Rasa's own method, so it raises the same error with the same
message.

The launcher runs ``.venv-rasa/bin/python -m assistant.rasa_server run ...``
in place of ``rasa run ...``. Arguments are passed to Rasa's command line
unchanged.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Dict, Text

from jsonschema import exceptions, validators
from jsonschema.protocols import Validator
from rasa.core.actions.action import RemoteAction

_rasa_validate_action_result = RemoteAction._validate_action_result


@lru_cache(maxsize=1)
def response_validator() -> Validator:
    """A validator for Rasa's action response schema, built once after one schema check."""
    schema = RemoteAction.action_response_format_spec()
    validator_class = validators.validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


def validate_action_result(self: RemoteAction, result: Dict[Text, Any]) -> bool:
    """Rasa's ``RemoteAction._validate_action_result`` without checking the schema each time."""
    if exceptions.best_match(response_validator().iter_errors(result)) is None:
        return True
    return _rasa_validate_action_result(self, result)  # raises Rasa's ValidationError


def install() -> None:
    """Put the fix in place (idempotent)."""
    RemoteAction._validate_action_result = validate_action_result  # type: ignore[method-assign]


def main() -> None:
    install()
    from rasa.__main__ import main as rasa_main

    rasa_main()


if __name__ == "__main__":
    main()
