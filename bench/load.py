"""Load benchmark: many learners at once, each holding a six-turn conversation over REST.

Every learner says hello, asks for Python courses for data analysis within $50,
asks for cheaper ones, asks about the second one, asks the planner what to do
next and says thanks. Levels of 10, 50 and 100 concurrent learners run against
each profile twice:

* paced (the figures the targets apply to): a learner reads each reply and
  types the next message before sending it, at the average rates of large
  published studies: silent reading of non-fiction 238 words a minute
  (Brysbaert 2019, 190 studies), typing 51.56 words a minute (Dhakal et al.
  2018, 168,000 typists), each pause times a random factor of 0.5-1.5
  (seeded). Learners arrive over the first 10 s.
* back-to-back: each learner sends the next message the moment the reply
  arrives, a load no group of people produces; it measures how many turns a
  second the servers can answer at most.

One learner alone never waits behind anyone, so the single-learner level runs
without pauses and holds --min-turns turns (ten conversations in a row).

* embedded: one Rasa server and one action server, SQLite learner database and
  tracker store, in-memory lock store;
* production: two Rasa servers and two action servers (Rasa N calls action
  server N), learner database and tracker store on fresh PostgreSQL databases,
  Redis lock store. A learner's turns alternate between the Rasa servers, as
  behind a load balancer without sticky sessions.

    nice -n 15 .venv/bin/python bench/load.py [--levels 1,10,50,100] [--profiles embedded,production]

Reports throughput, p50/p95/p99 turn latency, errors (non-200, time-outs,
empty replies, turns not reached before the level's deadline), the peak
resident memory and the CPU time per turn of the server processes, next to the
targets, and writes ``bench/results/load.json`` (keys such as
``production.c50.p95_ms`` for paced learners, ``production.back_to_back.c50.p95_ms``).
Loopback only; bounded by --timeout per request and --level-timeout per level.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import platform
import random
import socket
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

import aiohttp
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.config import Settings  # noqa: E402
from assistant.db.provision import create_database, database_url, drop_database  # noqa: E402
from assistant.launcher import Servers, prepare, running_replicas  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
SCRIPT = ["hello", "I want to learn python for data analysis, budget $50", "cheaper", "tell me about the second one",
          "what should I do next?", "thanks"]
TARGET_P95_MS = {1: 300.0, 50: 1000.0}  # paced learners
PACED, BACK_TO_BACK = "paced", "back_to_back"
READING_WORDS_PER_S = 238 / 60  # Brysbaert (2019), silent reading of non-fiction in English
TYPING_WORDS_PER_S = 51.56 / 60  # Dhakal et al. (2018), mean of 168,000 typists
ARRIVAL_WINDOW_S = 10.0


def reading_and_typing_s(reply: list[dict], next_message: str, rng: random.Random) -> float:
    """How long a learner takes to read ``reply`` and type ``next_message``, at the published averages."""
    shown = " ".join([str(part.get("text", "")) for part in reply]
                     + [str(button.get("title", "")) for part in reply for button in part.get("buttons") or []])
    seconds = len(shown.split()) / READING_WORDS_PER_S + len(next_message.split()) / TYPING_WORDS_PER_S
    return seconds * rng.uniform(0.5, 1.5)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class LevelRun:
    """What one level of concurrency produced."""

    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    error_examples: list[str] = field(default_factory=list)

    def fail(self, why: str) -> None:
        self.errors += 1
        if len(self.error_examples) < 5:
            self.error_examples.append(why)


def cpu_model() -> str:
    cpuinfo = Path("/proc/cpuinfo")
    lines = cpuinfo.read_text().splitlines() if cpuinfo.exists() else []
    models = [line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")]
    return models[0] if models else platform.processor() or platform.machine()


def single_core_reference_s() -> float:
    """Seconds this machine's Python takes for a fixed loop (best of 3), to compare runs on other machines."""
    best = math.inf
    for _ in range(3):
        started = time.perf_counter()
        sum(i * i for i in range(3_000_000))
        best = min(best, time.perf_counter() - started)
    return round(best, 3)


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


class ServerSampler:
    """Peak resident memory (sampled in a thread) and CPU time of the Rasa and the action server process trees."""

    def __init__(self, replicas: list[Servers], every: float = 0.25) -> None:
        self._roots = [(name, process.pid) for servers in replicas for name, process, _ in servers.processes]
        self._every, self._stop = every, threading.Event()
        self.peak_mb = {"rasa": 0.0, "action": 0.0}
        self.cpu_s = {"rasa": 0.0, "action": 0.0}
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> tuple[dict[str, float], dict[str, float]]:
        memory, cpu = {"rasa": 0.0, "action": 0.0}, {"rasa": 0.0, "action": 0.0}
        for name, pid in self._roots:
            kind = "rasa" if name.startswith("Rasa") else "action"
            try:
                root = psutil.Process(pid)
                tree = [root, *root.children(recursive=True)]
            except psutil.Error:
                continue
            for process in tree:
                try:
                    memory[kind] += process.memory_info().rss / 2**20
                    times = process.cpu_times()
                    cpu[kind] += times.user + times.system
                except psutil.Error:
                    continue
        return memory, cpu

    def _run(self) -> None:
        while not self._stop.is_set():
            for kind, value in self._sample()[0].items():
                self.peak_mb[kind] = max(self.peak_mb[kind], value)
            self._stop.wait(self._every)

    def __enter__(self) -> ServerSampler:
        self._cpu_before = self._sample()[1]
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()
        cpu_after = self._sample()[1]
        self.cpu_s = {kind: cpu_after[kind] - self._cpu_before[kind] for kind in cpu_after}


async def conversation(session: aiohttp.ClientSession, replicas: list[Servers], index: int, sender: str,
                       deadline: float, run: LevelRun, rng: random.Random | None) -> None:
    """The six turns; with ``rng``, paced like a person (see the module docstring), else back-to-back."""
    reply: list[dict] = []
    for turn, message in enumerate(SCRIPT):
        if rng is not None:
            await asyncio.sleep(reading_and_typing_s(reply, message, rng))
        if time.monotonic() > deadline:
            run.fail("level deadline reached")
            continue
        servers = replicas[(index + turn) % len(replicas)]
        started = time.perf_counter()
        try:
            async with session.post(f"{servers.rasa_url}/webhooks/rest/webhook",
                                    json={"sender": sender, "message": message}) as response:
                body = await response.json(content_type=None) if response.status == 200 else None
                elapsed = 1000 * (time.perf_counter() - started)
                if response.status != 200:
                    run.fail(f"HTTP {response.status} on {message!r}")
                elif not body:
                    run.fail(f"empty reply to {message!r}")
                else:
                    run.latencies_ms.append(elapsed)
                    reply = body
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
            run.fail(f"{type(error).__name__} on {message!r}")


async def learner(session: aiohttp.ClientSession, replicas: list[Servers], index: int, label: str,
                  rounds: int, deadline: float, run: LevelRun, paced: bool) -> None:
    """``rounds`` conversations one after the other, each under a new sender id."""
    rng = random.Random(f"{label}-{index}") if paced else None
    if rng is not None:
        await asyncio.sleep(rng.uniform(0, ARRIVAL_WINDOW_S))
    for round_ in range(rounds):
        await conversation(session, replicas, index, f"load-{label}-{index}-{round_}", deadline, run, rng)


async def run_level(replicas: list[Servers], learners: int, rounds: int, label: str, timeout: float,
                    level_timeout: float, paced: bool = False) -> tuple[LevelRun, float]:
    run = LevelRun()
    deadline = time.monotonic() + level_timeout
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=timeout)) as session:
        started = time.perf_counter()
        await asyncio.gather(*(learner(session, replicas, i, label, rounds, deadline, run, paced)
                               for i in range(learners)))
        return run, time.perf_counter() - started


def summarise(run: LevelRun, learners: int, rounds: int, wall: float, sampler: ServerSampler) -> dict:
    turns = learners * rounds * len(SCRIPT)
    done = run.latencies_ms or [math.nan]
    answered = max(1, len(run.latencies_ms))
    return {
        "learners": learners, "conversations": learners * rounds, "turns": turns, "errors": run.errors,
        "error_rate": round(run.errors / turns, 4),
        "error_examples": run.error_examples,
        "throughput_turns_per_s": round(len(run.latencies_ms) / wall, 2), "wall_s": round(wall, 1),
        "p50_ms": round(percentile(done, 0.50), 1), "p95_ms": round(percentile(done, 0.95), 1),
        "p99_ms": round(percentile(done, 0.99), 1),
        "peak_rss_mb": {kind: round(value, 1) for kind, value in sampler.peak_mb.items()},
        "cpu_ms_per_turn": {kind: round(1000 * value / answered, 1) for kind, value in sampler.cpu_s.items()},
    }


@contextmanager
def profile_settings(profile: str, base: Settings, var_dir: Path, postgres_url: str,
                     redis_url: str) -> Iterator[Settings]:
    """Settings of one profile on stores of its own; the production databases are dropped afterwards."""
    settings = replace(base, profile="embedded", var_dir=var_dir, db_url=f"sqlite:///{var_dir / 'assistant.db'}",
                       tracker_store_url=None)
    if profile == "embedded":
        yield settings
        return
    run = f"pathwise_load_{uuid.uuid4().hex[:8]}"
    names = [f"{run}_learners", f"{run}_tracker"]
    for name in names:
        create_database(postgres_url, name)
    try:
        yield replace(settings, profile="production", db_url=database_url(postgres_url, names[0]),
                      tracker_store_url=database_url(postgres_url, names[1], "postgresql"), lock_store_url=redis_url)
    finally:
        for name in names:
            drop_database(postgres_url, name)


def bench_profile(profile: str, settings: Settings, pairs: int, levels: list[int], args: argparse.Namespace,
                  run_id: str) -> dict:
    model = prepare(settings)
    ports = [(_free_port(), _free_port()) for _ in range(pairs)]
    print(f"{profile}: starting {pairs} Rasa + {pairs} action server(s)...", file=sys.stderr, flush=True)
    results: dict = {"replicas": pairs}
    with running_replicas(settings, model, ports) as replicas:
        # One unmeasured conversation per replica, so first-use costs are not counted.
        asyncio.run(run_level(replicas, len(replicas), 1, f"{run_id}-{profile}-warm", args.timeout,
                              args.level_timeout))
        for mode in args.modes:
            for learners in levels:
                if mode == BACK_TO_BACK and learners == 1:
                    continue  # the single-learner level already runs without pauses
                paced = mode == PACED and learners > 1
                # Few learners hold several conversations in a row, so their percentiles rest on enough turns.
                rounds = max(1, math.ceil(args.min_turns / (learners * len(SCRIPT))))
                label = f"{run_id}-{profile}-{mode}-c{learners}"
                with ServerSampler(replicas) as sampler:
                    run, wall = asyncio.run(run_level(replicas, learners, rounds, label, args.timeout,
                                                      args.level_timeout, paced))
                summary = summarise(run, learners, rounds, wall, sampler)
                (results if mode == PACED else results.setdefault(mode, {}))[f"c{learners}"] = summary
                print(f"{profile} {mode} c{learners}: {summary['p95_ms']} ms p95, {summary['errors']} errors, "
                      f"{summary['throughput_turns_per_s']} turns/s", file=sys.stderr, flush=True)
    return results


def table(results: dict, levels: list[int]) -> str:
    lines = ["| profile | learners | pacing | turns | errors | turns/s | p50 ms | p95 ms | p99 ms | target p95 | "
             "peak RSS Rasa / actions MB | CPU ms per turn Rasa / actions |", "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for profile, mode, learners in ((p, m, n) for p in ("embedded", "production") for m in (PACED, BACK_TO_BACK)
                                    for n in levels):
        rows = results.get(profile, {})
        row = (rows if mode == PACED else rows.get(mode, {})).get(f"c{learners}")
        if row is None:
            continue
        pacing = "none (alone)" if learners == 1 else "reading and typing" if mode == PACED else "back-to-back"
        target = TARGET_P95_MS.get(learners) if mode == PACED else None
        verdict = "" if target is None else f"≤ {target:g} ({'met' if row['p95_ms'] <= target else 'not met'})"
        rss, cpu = row["peak_rss_mb"], row["cpu_ms_per_turn"]
        lines.append(f"| {profile} | {learners} | {pacing} | {row['turns']} | {row['errors']} | "
                     f"{row['throughput_turns_per_s']} | {row['p50_ms']} | {row['p95_ms']} | {row['p99_ms']} | "
                     f"{verdict} | {rss['rasa']:.0f} / {rss['action']:.0f} | {cpu['rasa']:.0f} / {cpu['action']:.0f} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--levels", default="1,10,50,100", help="concurrent learners per level (default 1,10,50,100)")
    parser.add_argument("--profiles", default="embedded,production", help="profiles to run")
    parser.add_argument("--replicas", type=int, default=2, help="Rasa + action server pairs in production (default 2)")
    parser.add_argument("--min-turns", type=int, default=60,
                        help="turns a level makes at least; fewer learners repeat the conversation (default 60)")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds before a turn counts as an error")
    parser.add_argument("--level-timeout", type=float, default=300.0, help="seconds a level may take at most")
    parser.add_argument("--postgres-url", default=os.environ.get(
        "TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"),
        help="any database on the PostgreSQL server to create the benchmark's databases on")
    parser.add_argument("--redis-url", default=os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/1"))
    parser.add_argument("--modes", default=f"{PACED},{BACK_TO_BACK}", help="paced and/or back_to_back (default both)")
    parser.add_argument("--output", type=Path, default=RESULTS / "load.json")
    args = parser.parse_args()
    args.modes = args.modes.split(",")
    if not set(args.modes) <= {PACED, BACK_TO_BACK}:
        parser.error(f"--modes takes {PACED} and/or {BACK_TO_BACK}")
    levels = [int(n) for n in args.levels.split(",")]
    if max(levels) > 200:
        parser.error("at most 200 concurrent learners")

    base, run_id = Settings.from_env(), uuid.uuid4().hex[:6]
    load_before = os.getloadavg()
    results: dict = {"script": SCRIPT, "cpu_count": os.cpu_count(),
                     "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
                     "cpu_model": cpu_model(), "single_core_reference_s": single_core_reference_s(),
                     "load_average_before": [round(x, 2) for x in load_before],
                     "pacing": {"reading_words_per_minute": 60 * READING_WORDS_PER_S,
                                "typing_words_per_minute": 60 * TYPING_WORDS_PER_S, "random_factor": [0.5, 1.5],
                                "arrival_window_s": ARRIVAL_WINDOW_S},
                     "targets": {"c1.p95_ms": 300, "c50.p95_ms": 1000, "errors": 0}}
    for profile in args.profiles.split(","):
        with tempfile.TemporaryDirectory(prefix=f"pathwise-load-{profile}-") as folder, \
                profile_settings(profile, base, Path(folder) / "var", args.postgres_url, args.redis_url) as settings:
            pairs = args.replicas if profile == "production" else 1
            results[profile] = bench_profile(profile, settings, pairs, levels, args, run_id)
    results["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=2))
    print(table(results, levels))
    print(f"load average before / after: {results['load_average_before']} / {results['load_average_after']}")


if __name__ == "__main__":
    main()
