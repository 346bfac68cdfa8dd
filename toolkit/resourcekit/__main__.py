"""Command line: ``python -m resourcekit COMMAND``.

``warm [METHOD ...]`` compiles and caches the embedding code once (``make setup`` runs it), so
that a cold embedding in a fresh kernel skips numba's compilation.

``explore DATA --out DIR [--group COL] [--reference FILE] [--scheduler ADDRESS]`` reads a CSV,
Excel or Parquet file (or a folder of Parquet files, processed with Dask) and writes an offline
HTML report (``DIR/report.html``, ``vega-bundle.js`` beside it, figures as PNG and SVG, tables as
CSV). An existing report is never replaced unless ``--overwrite``. Exit status 0 on success,
2 on bad input (the message names the column or option).
"""

from __future__ import annotations

import argparse
import sys


def _explore_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("explore", help="an offline HTML report from an REE table")
    p.add_argument("data", help="CSV, TSV, Excel or Parquet file, or a folder of Parquet files")
    p.add_argument("--out", required=True, help="folder for report.html and the figures")
    p.add_argument("--group", default=None, help="column that colours charts and splits summaries")
    p.add_argument("--reference", default=None,
                   help="labelled library for novelty (default: the shipped apatite set)")
    p.add_argument("--reference-label", default=None, help="label column of --reference")
    p.add_argument("--no-reference", action="store_true", help="skip the novelty section")
    p.add_argument("--units", default=None, help="unit of REE columns whose names carry none")
    p.add_argument("--bdl", default="half", choices=["nan", "half", "limit"],
                   help="policy for values below the detection limit (default: half)")
    p.add_argument("--embedding", default="pca", choices=["pca", "umap", "tsne"])
    p.add_argument("--sample-size", type=int, default=2000,
                   help="rows for row-level charts, embedding and novelty (default 2000)")
    p.add_argument("--scheduler", default=None,
                   help="Dask scheduler address (default: a local cluster for Parquet folders)")
    p.add_argument("--overwrite", action="store_true", help="replace an existing report")
    p.add_argument("--no-figures", action="store_true", help="skip PNG/SVG figures")
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m resourcekit")
    sub = parser.add_subparsers(dest="command", required=True)
    _explore_parser(sub)
    w = sub.add_parser("warm", help="compile and cache the embedding code (run at set-up)")
    w.add_argument("methods", nargs="*", default=["umap", "tsne"],
                   help="embedding methods to warm (default: umap tsne)")
    args = parser.parse_args(argv)
    from .errors import ResourcekitError

    if args.command == "explore":
        from pathlib import Path

        from .ree.exploration import explore

        page = Path(args.out) / "report.html"
        if page.exists() and not args.overwrite:
            print(f"error: {page} exists; choose another --out or pass --overwrite",
                  file=sys.stderr)
            return 2
        try:
            report = explore(
                args.data, group=args.group,
                reference=False if args.no_reference else args.reference,
                reference_label=args.reference_label, units=args.units, bdl=args.bdl,
                embedding=args.embedding, sample_size=args.sample_size,
                scheduler=args.scheduler, progress=not args.quiet)
            out = report.save(args.out, overwrite=args.overwrite,
                              figures=not args.no_figures)
        except (ResourcekitError, ValueError, KeyError) as err:
            print(f"error: {err}", file=sys.stderr)
            return 2
        print(out)
        return 0
    if args.command == "warm":
        from .ree._embed import EMBED_METHODS, warm

        unknown = [m for m in args.methods if m not in EMBED_METHODS]
        if unknown:
            print(f"error: unknown methods {unknown}; use {list(EMBED_METHODS)}",
                  file=sys.stderr)
            return 2
        for method, seconds in warm(tuple(args.methods)).items():
            print(f"warm {method}: {seconds:.1f} s")
        return 0
    return 1  # pragma: no cover (argparse rejects unknown commands)


if __name__ == "__main__":
    sys.exit(main())
