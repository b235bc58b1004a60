"""Create and drop whole PostgreSQL databases, for the production-profile tests and load benchmark.

Each run gets databases of its own (learner database and Rasa tracker store), so
event counts and learner rows start from zero and runs never see each other.
"""

from __future__ import annotations

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


def database_url(server_url: str, name: str, driver: str = "postgresql+psycopg") -> str:
    """``server_url`` pointed at database ``name`` with ``driver`` (Rasa's side uses plain ``postgresql``)."""
    return make_url(server_url).set(drivername=driver, database=name).render_as_string(hide_password=False)


def create_database(server_url: str, name: str) -> None:
    """Create database ``name`` on the server of ``server_url`` (a URL of any existing database there)."""
    _run(server_url, f'CREATE DATABASE "{_checked(name)}"')


def drop_database(server_url: str, name: str) -> None:
    """Drop database ``name``, closing whatever connections are still open to it."""
    _run(server_url, f'DROP DATABASE IF EXISTS "{_checked(name)}" WITH (FORCE)')


def _checked(name: str) -> str:
    if not name.replace("_", "").isalnum() or not name.islower():
        raise ValueError(f"database names here are lower-case letters, digits and '_': {name!r}")
    return name


def _run(server_url: str, statement: str) -> None:
    engine = create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text(statement))
    finally:
        engine.dispose()
