"""`study bench`: run the benchmarks and write JSON (evals/results/bench-*.json) and Markdown (docs/bench.md)."""
from __future__ import annotations

import json
import sys
from pathlib import Path

from assistant.config import REPO_ROOT


def add_parsers(sub) -> None:
    from assistant.bench import PARTS

    p = sub.add_parser("bench", help="speed and scale benchmarks (ratios against raw sentence-transformers, Chroma, "
                                     "llama.cpp); about 5 minutes when the machine is idle")
    p.add_argument("--json", action="store_true", help="print the results as JSON")
    p.add_argument("--sizes", default="1000,10000", help="index sizes for retrieval, comma-separated "
                                                          "(default 1000,10000; add 100000 for the large one)")
    p.add_argument("--runs", type=int, default=3, help="repeats (medians are reported); also the number of "
                                                       "questions answered in the generation part (default 3)")
    p.add_argument("--parts", default=",".join(PARTS), help=f"which parts to run (default: all of {','.join(PARTS)})")
    p.add_argument("--clients", type=int, default=20, help="concurrent clients of the Chroma server (default 20)")
    p.add_argument("--server-chunks", type=int, default=10_000, help="chunks in the Chroma server (default 10000)")
    p.add_argument("--out", type=Path, help="folder for bench-<time>.json, bench-latest.json and bench.md "
                                            "(default: evals/results, with the Markdown in docs/bench.md)")
    p.set_defaults(func=cmd_bench)


def parse_sizes(text: str) -> list[int]:
    try:
        sizes = [int(s.replace("_", "").replace("k", "000")) for s in text.split(",") if s.strip()]
    except ValueError:
        raise ValueError(f"--sizes {text!r}: give chunk counts separated by commas, e.g. 1000,10000") from None
    if not sizes or min(sizes) < 10:
        raise ValueError(f"--sizes {text!r}: every size must be at least 10 chunks")
    return sizes


def cmd_bench(assistant, args) -> int:
    from assistant.bench import run_bench
    from assistant.bench.report import markdown, write_markdown
    from assistant.evaluation.retrieval import write_results

    parts = tuple(p.strip() for p in args.parts.split(",") if p.strip())
    command = "study bench " + " ".join(sys.argv[2:]) if sys.argv[1:2] == ["bench"] else "study bench"
    results = run_bench(assistant, sizes=parse_sizes(args.sizes), runs=args.runs, parts=parts, clients=args.clients,
                        server_chunks=args.server_chunks, progress=not args.json, command=command.strip())
    out = args.out or assistant.settings.evals_dir / "results"
    path = write_results(results, out, name="bench")
    md = write_markdown(results, (out / "bench.md") if args.out else REPO_ROOT / "docs" / "bench.md")
    if args.json:
        print(json.dumps(results, indent=1))
    else:
        print(markdown(results))
        print(f"results written to {path} and {md}")
    return 0
