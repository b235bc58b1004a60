"""Command line: ``python -m assistant COMMAND``.

Expected failures (bad file, missing setup, a server that won't start) print
one line on stderr and exit with code 2; no stack trace.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from pathlib import Path

from assistant.config import PROJECT_ROOT, Settings


class CliError(Exception):
    """An expected failure, reported as one line."""


def cmd_init_db(settings: Settings, _args: argparse.Namespace) -> None:
    from assistant.db.migrate import upgrade

    upgrade(settings.db_url)
    print(f"database ready: {_safe_url(settings.db_url)}")


def cmd_import_catalog(settings: Settings, args: argparse.Namespace) -> None:
    import_files(settings, args.paths, progress=not args.quiet, show_errors=args.show_errors)


def import_files(settings: Settings, paths: list[Path], progress: bool, show_errors: int) -> None:
    """Import each catalog file in its own transaction and print what changed."""
    from assistant.catalog.importer import CatalogFormatError, import_catalog
    from assistant.db.engine import session_factory
    from assistant.db.migrate import upgrade

    upgrade(settings.db_url)
    sessions = session_factory(settings.db_url)
    for path in paths:
        try:
            with sessions() as session, session.begin():
                report = import_catalog(session, Path(path), progress=progress)
        except CatalogFormatError as error:
            raise CliError(str(error)) from None
        for error in report.errors[:show_errors]:
            print(f"skipped {error}", file=sys.stderr)
        if len(report.errors) > show_errors:
            print(f"... and {len(report.errors) - show_errors} more bad rows", file=sys.stderr)
        print(f"{path}: {report.summary()}")


def cmd_check_prerequisites(settings: Settings, _args: argparse.Namespace) -> None:
    """Apply the staff prerequisite overrides to the catalog's graph, as the assistant will."""
    from assistant.db.engine import session_factory
    from assistant.guidance.graph import OverrideError
    from assistant.guidance_service import GuidanceService

    path = settings.prerequisites_file
    if not path.exists():
        raise CliError(f"{path} does not exist: nothing to check")
    graph = GuidanceService(session_factory(settings.db_url), settings.cache_dir / "content-index").planner().graph
    try:
        graph.apply_overrides(path)
    except OverrideError as error:
        raise CliError(f"{path.name}: {error}") from None
    overrides = sum(1 for edge in graph.edges.values() if edge.source == "override")
    print(f"{path.name} (version {graph.override_version}) applies: {overrides} override edges, "
          f"{len(graph.edges)} prerequisite edges in all")


def cmd_build_index(settings: Settings, _args: argparse.Namespace) -> None:
    from assistant.course_search import CourseSearch
    from assistant.db.engine import session_factory

    count = CourseSearch(session_factory(settings.db_url), settings.cache_dir / "content-index").refresh(progress=True)
    print(f"course index ready: {count} courses")


def cmd_train_recommender(settings: Settings, args: argparse.Namespace) -> None:
    from assistant.db.engine import session_factory
    from assistant.recommender_training import train_recommender

    try:
        version = train_recommender(session_factory(settings.db_url), settings.cache_dir / "content-index",
                                    settings.models_dir, force=args.force, say=print, progress=True)
    except ValueError as error:
        raise CliError(str(error)) from None
    print(f"recommender in production: {settings.models_dir / version}")


def cmd_train_rasa(settings: Settings, args: argparse.Namespace) -> None:
    from assistant.launcher import train_rasa_model

    model = train_rasa_model(settings, force=args.force)
    print(model if args.print_path else f"Rasa model: {model}")


def cmd_prepare(settings: Settings, _args: argparse.Namespace) -> None:
    """What ``run`` does before starting the servers; run it once before the Procfile starts them."""
    from assistant.launcher import prepare

    print(f"Rasa model: {prepare(settings, say=print, progress=True)}")


def cmd_serve(settings: Settings, args: argparse.Namespace) -> None:
    """Become one server process, for a process manager (the Procfile); output goes to stdout.

    Replica N listens on RASA_PORT / ACTION_PORT + N - 1, and Rasa replica N calls action server N.
    """
    from assistant.launcher import action_server_command, rasa_server_command, train_rasa_model

    if args.replica < 1:
        raise CliError("--replica counts from 1")
    offset = args.replica - 1
    if args.server == "action":
        command = action_server_command(settings, settings.action_port + offset, args.replica)
    else:
        command = rasa_server_command(settings, train_rasa_model(settings), settings.rasa_port + offset,
                                      settings.action_port + offset, replica=args.replica)
    os.chdir(PROJECT_ROOT)
    os.execve(command.argv[0], command.argv, command.env)


def cmd_run(settings: Settings, _args: argparse.Namespace) -> None:
    from assistant.launcher import prepare, running_servers
    from assistant.web.server import running_web

    started = time.monotonic()
    model = prepare(settings, say=print, progress=True)
    print("Starting the action server and the Rasa server...", flush=True)
    # The web chat binds first, so a busy WEB_PORT fails before Rasa loads;
    # Rasa allows its origin for the widget's long-polling fallback.
    with running_web(settings.host, settings.web_port, settings.rasa_port) as web_url, \
            running_servers(settings, model, settings.rasa_port, settings.action_port,
                            cors=web_url.rstrip("/")) as servers:
        print(_how_to_chat(settings, servers.rasa_url, web_url), flush=True)
        print(f"(ready {time.monotonic() - started:.0f} s after start; press Ctrl-C to stop)", flush=True)
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        try:
            while True:
                servers.check_alive()
                time.sleep(1)
        except KeyboardInterrupt:
            print("\nStopping...", flush=True)


def cmd_web(settings: Settings, _args: argparse.Namespace) -> None:
    """Only the web chat page; the widget talks to the Rasa server on RASA_PORT."""
    from aiohttp import web

    from assistant.web.app import create_app

    web.run_app(create_app(settings.rasa_port), host=settings.host, port=settings.web_port, access_log=None,
                print=lambda _: print(f"Web chat on http://{settings.host}:{settings.web_port}/ "
                                      f"(Rasa expected on port {settings.rasa_port}); press Ctrl-C to stop",
                                      flush=True))


def cmd_shell(settings: Settings, args: argparse.Namespace) -> None:
    """A terminal chat with the running assistant, over its REST channel."""
    import json
    import urllib.error
    import urllib.request
    import uuid

    url = f"http://{settings.host}:{settings.rasa_port}/webhooks/rest/webhook"
    sender = args.sender or f"shell-{uuid.uuid4().hex[:8]}"
    print(f"Chatting with {url} as {sender}. Type /stop or press Ctrl-D to leave.")
    while True:
        try:
            text = input("you> ")
        except (EOFError, KeyboardInterrupt):
            print()
            return
        if text.strip() == "/stop":
            return
        body = json.dumps({"sender": sender, "message": text}).encode()
        request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                replies = json.load(response)
        except (urllib.error.URLError, OSError) as error:
            raise CliError(f"the assistant is not answering at {url} ({error}); start it with 'make run'") from None
        for reply in replies:
            if "text" in reply:
                print(f"bot> {reply['text']}")
            for button in reply.get("buttons", []):
                print(f"     [{button['title']}]  (type: {button['payload']})")


def cmd_inbox(settings: Settings, args: argparse.Namespace) -> None:
    """The hand-off inbox: list waiting conversations, reply as staff, hand back to the bot."""
    from assistant.db.engine import session_factory
    from assistant.db.migrate import upgrade
    from assistant.inbox import InboxError
    from assistant.inbox_cli import list_inbox, release, send_reply
    from assistant.rasa_api import RasaApiError, RasaConversations

    upgrade(settings.db_url)
    sessions, rasa = session_factory(settings.db_url), RasaConversations.from_settings(settings)
    try:
        if args.inbox_command == "reply":
            print(send_reply(sessions, rasa, args.conversation_id, args.text))
        elif args.inbox_command == "release":
            print(release(sessions, rasa, args.conversation_id))
        else:
            print(list_inbox(sessions, rasa, messages=args.messages))
    except (InboxError, RasaApiError) as error:
        raise CliError(str(error)) from None


def cmd_expire_conversations(settings: Settings, args: argparse.Namespace) -> None:
    """Apply the retention periods: old conversation events and inactive learners' records go."""
    from sqlalchemy import create_engine

    from assistant.db.engine import session_factory
    from assistant.db.migrate import upgrade
    from assistant.privacy.retention import (Expired, cutoff, expire_conversations, expire_learners,
                                             tracker_store_engine_url)

    days = settings.retention_days if args.days is None else args.days
    learner_days = settings.learner_retention_days if args.learner_days is None else args.learner_days
    try:
        conversations_before, learners_before = cutoff(days), cutoff(learner_days)
    except ValueError as error:
        raise CliError(str(error)) from None
    upgrade(settings.db_url)
    tracker = create_engine(tracker_store_engine_url(settings.tracker_url))
    try:
        events = expire_conversations(tracker, conversations_before)
    finally:
        tracker.dispose()
    with session_factory(settings.db_url)() as session, session.begin():
        learners = expire_learners(session, learners_before)
    print(Expired(events, learners).summary()
          + f" (conversations older than {days} days, learners inactive for {learner_days} days)")


def cmd_retrain(settings: Settings, args: argparse.Namespace) -> int:
    """Exit 0: promoted or unchanged; 1: the candidate was worse and production stays; 2: error."""
    from assistant.ops.rasa_model import RasaModelError
    from assistant.ops.retrain import run_retrain

    tolerance = settings.promote_tolerance if args.tolerance is None else args.tolerance
    rasa_url = None if args.recommender_only else args.rasa_url or f"http://{settings.host}:{settings.rasa_port}"
    try:
        run = run_retrain(settings, tolerance, args.force, rasa_url)
    except (ValueError, RasaModelError) as error:
        raise CliError(str(error)) from None
    print(run.result.summary())
    return run.exit_code


def cmd_models(settings: Settings, _args: argparse.Namespace) -> None:
    from assistant.db.engine import session_factory
    from assistant.db.migrate import upgrade
    from assistant.ops.online_metrics import online_metrics
    from assistant.ops.registry import format_rows, model_rows

    upgrade(settings.db_url)
    rows = model_rows(settings.models_dir, online_metrics(session_factory(settings.db_url)))
    if not rows:
        raise CliError(f"no recommender models under {settings.models_dir}: run 'python -m assistant retrain'")
    print(format_rows(rows))


def cmd_rollback(settings: Settings, args: argparse.Namespace) -> None:
    from assistant.ops.registry import RollbackError, rollback

    try:
        was, now = rollback(settings.models_dir, args.version)
    except RollbackError as error:
        raise CliError(str(error)) from None
    print(f"recommender: {now} is in production again (was {was}); the action server switches on its next request")


def _how_to_chat(settings: Settings, rasa_url: str, web_url: str) -> str:
    token_file = settings.var_dir / "secrets" / "rasa_token"
    return f"""
Pathwise is running at {rasa_url}

Chat in the browser: {web_url}
Chat in the terminal (from a second terminal):
  make shell
or with Rasa's own shell (it loads a second copy of the model):
  make rasa-shell
Chat over REST:
  curl -s -X POST {rasa_url}/webhooks/rest/webhook -H 'Content-Type: application/json' \\
    -d '{{"sender": "me", "message": "I want to learn python for data analysis, my budget is $50"}}'
Socket.io clients connect to {rasa_url} (events user_uttered / bot_uttered).
Rasa HTTP API token: {token_file}
"""


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m assistant", description="Pathwise learning-guidance assistant")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("init-db", help="create or migrate the learner database").set_defaults(func=cmd_init_db)
    imp = commands.add_parser("import-catalog", help="import edX / Udemy catalog CSV files")
    imp.add_argument("paths", nargs="+", type=Path)
    imp.add_argument("--quiet", action="store_true", help="no progress bar")
    imp.add_argument("--show-errors", type=int, default=20, metavar="N", help="bad rows to list (default 20)")
    imp.set_defaults(func=cmd_import_catalog)
    commands.add_parser("build-index", help="embed the catalog for course search").set_defaults(func=cmd_build_index)
    commands.add_parser("check-prerequisites", help="check the staff prerequisite overrides against the catalog") \
        .set_defaults(func=cmd_check_prerequisites)
    rec = commands.add_parser("train-recommender", help="train the hybrid recommender if its data changed")
    rec.add_argument("--force", action="store_true", help="train even if a model for this data exists")
    rec.set_defaults(func=cmd_train_recommender)
    train = commands.add_parser("train-rasa", help="train the Rasa model if its inputs changed")
    train.add_argument("--force", action="store_true", help="train even if a model for these inputs exists")
    train.add_argument("--print-path", action="store_true", help="print only the model path")
    train.set_defaults(func=cmd_train_rasa)
    commands.add_parser("run", help="import the demo catalog, train if needed, start both servers").set_defaults(
        func=cmd_run)
    commands.add_parser("prepare", help="migrate, import the demo catalog, index, train what changed (no servers)") \
        .set_defaults(func=cmd_prepare)
    serve = commands.add_parser("serve", help="run one Rasa or action server in the foreground (see the Procfile)")
    serve.add_argument("server", choices=["rasa", "action"])
    serve.add_argument("--replica", type=int, default=1, metavar="N",
                       help="replica number: ports RASA_PORT / ACTION_PORT + N - 1 (default 1)")
    serve.set_defaults(func=cmd_serve)
    commands.add_parser("web", help="serve only the web chat page (Rasa must be running)").set_defaults(
        func=cmd_web)
    inbox = commands.add_parser("inbox", help="conversations waiting for course staff (needs the running assistant)",
                                description="Without a command: list the conversations waiting for a person.")
    inbox.add_argument("--messages", type=int, default=3, metavar="N",
                       help="learner messages to show per conversation (default 3)")
    inbox.set_defaults(func=cmd_inbox)
    inbox_commands = inbox.add_subparsers(dest="inbox_command", metavar="{reply,release}")
    reply = inbox_commands.add_parser("reply", help="send a staff message to the learner's chat (pauses the bot)")
    reply.add_argument("conversation_id")
    reply.add_argument("text")
    inbox_commands.add_parser("release", help="hand the chat back to the bot and close the hand-off").add_argument(
        "conversation_id")
    shell = commands.add_parser("shell", help="chat in the terminal with the running assistant")
    shell.add_argument("--sender", help="conversation id to use (default: a new one)")
    shell.set_defaults(func=cmd_shell)
    expire = commands.add_parser("expire-conversations",
                                 help="delete conversations and learner records past their retention period")
    expire.add_argument("--days", type=int, help="conversation retention in days (default ASSISTANT_RETENTION_DAYS)")
    expire.add_argument("--learner-days", type=int,
                        help="days of inactivity before a learner's records go (default ASSISTANT_LEARNER_RETENTION_DAYS)")
    expire.set_defaults(func=cmd_expire_conversations)
    retrain = commands.add_parser("retrain", help="retrain on current data; promote if not worse than production")
    retrain.add_argument("--force", action="store_true", help="promote even if worse than production")
    retrain.add_argument("--tolerance", type=float, metavar="NDCG",
                         help="allowed NDCG@10 drop (default ASSISTANT_PROMOTE_TOLERANCE or 0.01)")
    retrain.add_argument("--rasa-url", help="Rasa server to load a new Rasa model into (default: host:RASA_PORT)")
    retrain.add_argument("--recommender-only", action="store_true", help="leave the Rasa model alone")
    retrain.set_defaults(func=cmd_retrain)
    models = commands.add_parser("models", help="recommender versions (models list)")
    models.add_subparsers(dest="models_command", required=True).add_parser(
        "list", help="versions with their metrics; * marks production").set_defaults(func=cmd_models)
    back = commands.add_parser("rollback", help="put an earlier recommender version back in production")
    back.add_argument("version", nargs="?", help="version to serve (default: the previous production one)")
    back.set_defaults(func=cmd_rollback)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    settings = Settings.from_env()
    try:
        code = args.func(settings, args)
    except CliError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except Exception as error:  # expected failures from lower layers carry a clear message
        from sqlalchemy.exc import SQLAlchemyError

        from assistant.launcher import LaunchError

        if isinstance(error, (LaunchError, SQLAlchemyError, OSError)):
            print(f"error: {str(error).splitlines()[0]}", file=sys.stderr)
            if isinstance(error, LaunchError) and "\n" in str(error):
                print(str(error).split("\n", 1)[1], file=sys.stderr)
            return 2
        raise
    return code or 0


if __name__ == "__main__":
    sys.exit(main())
