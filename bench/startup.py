"""Start-up and footprint of the embedded profile.

Measures, in one run: time from launch to the first answer (as `make run`
does it: import, index, train-if-needed, start, warm up, first REST turn),
resident memory of the Rasa server and of the action server after that turn,
and REST turn latency over a short scripted conversation.

    .venv/bin/python bench/startup.py [--turns 40] [--output bench/results/startup.json]

For a first start, point it at empty caches:

    RASA_MAX_CACHE_SIZE=0 ASSISTANT_CACHE_DIR=$(mktemp -d) .venv/bin/python bench/startup.py \
        --output bench/results/startup-cold.json

Writes the JSON and prints a table. Loopback only.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.config import Settings  # noqa: E402
from assistant.launcher import prepare, running_servers  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
SCRIPT = ["hello", "I want to learn python for data analysis, my budget is $50", "free courses on statistics",
          "beginner web development under $30", "thanks", "bye"]


def group_rss_mb(pid: int) -> float:
    """Resident memory of every process in ``pid``'s process group, in MB."""
    pgid, total_kb = os.getpgid(pid), 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if os.getpgid(int(entry.name)) != pgid:
                continue
            for line in (entry / "status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total_kb += int(line.split()[1])
        except (OSError, ProcessLookupError):
            continue
    return round(total_kb / 1024, 1)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--turns", type=int, default=40, help="REST turns to time after start-up")
    parser.add_argument("--output", type=Path, default=RESULTS / "startup.json", help="where to write the JSON")
    args = parser.parse_args()
    var_dir = Path(tempfile.mkdtemp(prefix="pathwise-bench-")) / "var"
    settings = replace(Settings.from_env(), var_dir=var_dir, db_url=f"sqlite:///{var_dir / 'assistant.db'}")

    started = time.perf_counter()
    model = prepare(settings)
    prepared = time.perf_counter() - started
    with running_servers(settings, model, settings.rasa_port + 100, settings.action_port + 100) as servers:
        url = f"{servers.rasa_url}/webhooks/rest/webhook"
        reply = requests.post(url, json={"sender": "bench-0", "message": SCRIPT[1]}, timeout=60).json()
        first_answer = time.perf_counter() - started
        assert any("text" in m for m in reply), reply
        rss = {name: group_rss_mb(process.pid) for name, process, _ in servers.processes}
        latencies = []
        for turn in range(args.turns):
            message = SCRIPT[turn % len(SCRIPT)]
            t0 = time.perf_counter()
            response = requests.post(url, json={"sender": f"bench-{turn // len(SCRIPT)}", "message": message},
                                     timeout=60)
            latencies.append(1000 * (time.perf_counter() - t0))
            response.raise_for_status()
    results = {
        "prepare_seconds": round(prepared, 1),
        "first_answer_seconds": round(first_answer, 1),
        "rss_mb": rss,
        "rest_turn_ms": {"turns": len(latencies), "p50": round(statistics.median(latencies), 1),
                         "p95": round(percentile(latencies, 0.95), 1), "max": round(max(latencies), 1)},
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=2))
    print("| figure | value |\n|---|---|")
    print(f"| prepare (import, index, train if needed) | {results['prepare_seconds']} s |")
    print(f"| launch to first answer | {results['first_answer_seconds']} s |")
    for name, value in rss.items():
        print(f"| RSS {name} | {value} MB |")
    turns = results["rest_turn_ms"]
    print(f"| REST turn p50 / p95 / max ({turns['turns']} turns) | {turns['p50']} / {turns['p95']} / {turns['max']} ms |")


if __name__ == "__main__":
    main()
