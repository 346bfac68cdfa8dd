"""Command line: ``python -m resourcekit COMMAND``.

``warm [METHOD ...]`` compiles and caches the embedding code once (``make setup`` runs it), so
that a cold embedding in a fresh kernel skips numba's compilation.

``explore DATA --out DIR [--group COL] [--id COL] [--units U] [--normalise-to REF]
[--lambda-reference REF] [--yttrium COL | --no-yttrium] [--bdl POLICY] [--library FILE]
[--scheduler ADDRESS]`` reads a CSV,
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
    p.add_argument("--id", default=None, help="column of sample IDs (default: row position)")
    p.add_argument("--units", default=None,
                   help="unit of REE columns whose names carry none, e.g. ppm")
    p.add_argument("--normalise-to", default="CI_McDonoughSun1995", metavar="REFERENCE",
                   help="reference composition for X_N, anomalies and ratios "
                        "(default: CI_McDonoughSun1995)")
    p.add_argument("--lambda-reference", default="CI_ONeill2016", metavar="REFERENCE",
                   help="reference composition of the lambdas (default: CI_ONeill2016)")
    y = p.add_mutually_exclusive_group()
    y.add_argument("--yttrium", default=None, metavar="COLUMN",
                   help="the column that holds yttrium (e.g. a bare 'Y' beside coordinates)")
    y.add_argument("--no-yttrium", action="store_true", help="leave yttrium out")
    p.add_argument("--bdl", default="half", choices=["nan", "half", "limit"],
                   help="policy for values below the detection limit (default: half; the "
                        "Python functions default to nan)")
    p.add_argument("--library", default=None, metavar="FILE",
                   help="labelled library for novelty (default: none, novelty off)")
    p.add_argument("--library-label", default=None, help="label column of --library")
    p.add_argument("--reference", default=None, help=argparse.SUPPRESS)  # former --library
    p.add_argument("--reference-label", default=None, help=argparse.SUPPRESS)
    p.add_argument("--no-reference", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--max-groups", type=int, default=8,
                   help="above this + 2 groups, charts show this many largest and 'other'")
    p.add_argument("--embedding", default="pca", choices=["pca", "umap", "tsne"])
    p.add_argument("--sample-size", type=int, default=2000,
                   help="rows for row-level charts, embedding and scores (default 2000)")
    p.add_argument("--scheduler", default=None,
                   help="Dask scheduler address (default: a local cluster for Parquet folders)")
    p.add_argument("--overwrite", action="store_true", help="replace an existing report")
    p.add_argument("--no-figures", action="store_true", help="skip PNG/SVG figures")
    p.add_argument("--quiet", action="store_true", help="no progress bar")


#: Python spellings in error messages -> the CLI option that sets the same thing.
_CLI_SPELLINGS = (
    (r"pass units='ppm' \(or a dict \{column: unit\}\)", "pass --units ppm"),
    (r"pass units=\{'Y': 'ppm'\}", "pass --yttrium COLUMN"),
    (r"units=\{'Y': 'ppm'\}", "--yttrium COLUMN"),
    (r"Already normalised values: pass reference=None", "Already normalised values cannot be "
     "explored from the command line"),
    (r"\((?:--[a-z-]+(?: \S+)?) \(([a-z_]+)=[^)]*\)\)", None),
    (r"\bunits=", "--units "),
    (r"\breference_label=", "--library-label "),
    (r"\bbdl=", "--bdl "),
)


def cli_message(message: str) -> str:
    """An error message with the Python spellings replaced by the CLI's options.

    >>> cli_message("no unit for columns ['La']. pass units='ppm' (or a dict {column: unit})")
    "no unit for columns ['La']. pass --units ppm"
    >>> cli_message("ID column 'sid' (--id (id=)) is not in the data")
    "ID column 'sid' (--id) is not in the data"
    """
    import re

    for pattern, repl in _CLI_SPELLINGS:
        if repl is None:  # "(--units ppm (units='ppm'))" -> "(--units ppm)"
            message = re.sub(r"\((--[a-z-]+(?: [^ ()]+)?) \([a-z_]+=[^()]*\)\)", r"(\1)",
                             message)
            message = re.sub(r"(--[a-z-]+(?: [^ ()]+)?) \([a-z_]+=[^()]*\)", r"\1", message)
            continue
        message = re.sub(pattern, repl, message)
    return message


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
            library = None if args.no_reference else (args.library or args.reference)
            report = explore(
                args.data, group=args.group, id=args.id, units=args.units,
                normalise_to=args.normalise_to, lambda_reference=args.lambda_reference,
                yttrium=False if args.no_yttrium else args.yttrium, bdl=args.bdl,
                library=library, library_label=args.library_label or args.reference_label,
                max_groups=args.max_groups, embedding=args.embedding,
                sample_size=args.sample_size, scheduler=args.scheduler,
                progress=not args.quiet)
            out = report.save(args.out, overwrite=args.overwrite,
                              figures=not args.no_figures)
        except (ResourcekitError, ValueError, KeyError) as err:
            text = err.args[0] if isinstance(err, KeyError) and err.args else str(err)
            print(f"error: {cli_message(str(text))}", file=sys.stderr)
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
