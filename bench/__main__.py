"""``python -m bench [--quick] [--sizes 100,1000] [--runs N] [--results PATH]
[--peer hugo]``."""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.report import commit, document, stderr, write_results
from bench.run import Bench, SizeResults, has_command, snapshot_code

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "RESULTS.md"
PREAMBLE = "# Benchmark results\n\nWritten by `python -m bench` (see bench/README notes below).\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="100 notices only, 1 run each.")
    parser.add_argument("--sizes", default=None, help="Comma-separated notice counts "
                        "(default 100,1000,10000).")
    parser.add_argument("--runs", type=int, default=None, help="Runs per measure "
                        "(default 5, 3 at 10,000).")
    parser.add_argument("--large-runs", type=int, default=None,
                        help="Runs per measure at 10,000 notices and more (default 3).")
    parser.add_argument("--results", type=Path, default=None,
                        help="Where to write the table (default bench/RESULTS.md; "
                        "--quick writes nowhere unless given).")
    parser.add_argument("--no-publish", action="store_true", help="Skip the S3 rows.")
    parser.add_argument("--work", type=Path, default=None, help="Scratch folder "
                        "(default: a temporary one, removed afterwards).")
    parser.add_argument("--peer", choices=["hugo"], default=None,
                        help="Run Hugo on the same incidents, alternating with Outpost, "
                        "and print the ratios (needs hugo on PATH).")
    args = parser.parse_args(argv)
    if args.peer:
        peer_main(args)
        return
    sizes = [100] if args.quick else [int(x) for x in (args.sizes or "100,1000,10000").split(",")]
    results_path = args.results if (args.results or args.quick) else RESULTS
    load = os.getloadavg()[0]
    large = args.large_runs or args.runs or 3
    runs_text = ("1" if args.quick else f"{args.runs or 5} ({large} at 10,000)")
    with tempfile.TemporaryDirectory(prefix="outpost-bench-") as scratch:
        work = args.work or Path(scratch)
        work.mkdir(parents=True, exist_ok=True)
        revision = commit(HERE.parent)
        env = snapshot_code(HERE.parent, work)
        s3 = None
        if not args.no_publish and has_command("publish", env):
            from bench.s3 import MotoS3
            s3 = MotoS3()
        results: list[SizeResults] = []
        try:
            for count in sizes:
                runs = args.runs or (1 if args.quick else 5)
                if count >= 10000:
                    runs = args.large_runs or args.runs or 3
                results.append(Bench(work, count, runs, stderr, env).run(s3))
                if results_path is not None:  # keep what is done if a later size is cut short
                    write_results(results_path, document(results, runs_text, revision, load),
                                  PREAMBLE)
        finally:
            if s3 is not None:
                s3.stop()
    body = document(results, runs_text, revision, load)
    print(body)
    if results_path is not None:
        write_results(results_path, body, PREAMBLE)


def peer_main(args: argparse.Namespace) -> None:
    """``--peer hugo``: cold build, one-update rebuild and memory against Hugo."""
    from bench import peer

    if shutil.which("hugo") is None:
        print(peer.INSTALL_HINT, file=sys.stderr)
        raise SystemExit(1)
    version = subprocess.run(["hugo", "version"], capture_output=True, text=True,
                             check=False).stdout.strip().split(" BuildDate")[0]
    sizes = [100] if args.quick else [int(x) for x in (args.sizes or "100,1000,10000").split(",")]
    results_path = args.results if (args.results or args.quick) else RESULTS
    large = args.large_runs or args.runs or 3
    runs_text = "1" if args.quick else f"{args.runs or 5} ({large} at 10,000)"
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="outpost-peer-") as scratch:
        work = args.work or Path(scratch)
        work.mkdir(parents=True, exist_ok=True)
        revision = commit(HERE.parent)
        env = snapshot_code(HERE.parent, work)
        results: list[peer.PeerSize] = []
        for count in sizes:
            runs = 1 if args.quick else (args.runs or 5)
            if count >= 10000 and not args.quick:
                runs = large
            results.append(peer.PeerBench(work, count, runs, stderr, env).run())
            body = peer.document(results, runs_text, revision, version,
                                 (load, os.getloadavg()[0]))
            if results_path is not None:
                old = results_path.read_text(encoding="utf-8") if results_path.exists() else ""
                results_path.write_text(peer.replace_section(old, body), encoding="utf-8")
    print(body)


if __name__ == "__main__":
    main()
