"""The learner's JupyterLab folder: lessons and student exercises side by side.

``make lab`` opens JupyterLab at ``course/`` (git-ignored), which this module fills::

    course/lessons/NN-slug.ipynb      copies of lessons/
    course/exercises/NN-slug.ipynb    student versions (exercises/_build/student/, `make exercises`)

so the links the notebooks already carry work as they do in the book: a lesson's
``../exercises/NN-slug.ipynb`` opens the student exercise (never the master with its
solutions), an exercise's ``../lessons/NN-slug.ipynb`` opens its lesson.

A learner's copy is never overwritten: a file already in ``course/`` is kept, and when the
course's version has changed since, the run says so (the learner may copy it by hand).

``make lab LANG=ja`` fills ``course-ja/`` the same way with the notebooks in Japanese: markdown,
self-check hints and ``check()``'s messages from the book's own catalogues
(:mod:`resourcekit._notebook_i18n`); the code is the English notebooks' code. Its hidden file
``.resourcekit-course.json`` holds the messages with which a kernel there draws its charts and
prints its lines in Japanese.

Usage: ``python -m resourcekit._lab [COURSE_DIR] [--repo REPO] [--lang ja]``.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["CourseCopy", "prepare_course"]


@dataclass
class CourseCopy:
    """What :func:`prepare_course` did: paths copied, learner copies kept, kept but outdated."""

    copied: list[Path] = field(default_factory=list)
    kept: list[Path] = field(default_factory=list)
    outdated: list[Path] = field(default_factory=list)
    untranslated: dict[str, int] = field(default_factory=dict)  # notebook -> units in English

    def summary(self) -> str:
        lines = [f"course: {len(self.copied)} notebooks copied, {len(self.kept)} of yours kept."]
        for path in self.outdated:
            lines.append(f"  {path} is your copy; the course's version has changed since "
                         "(copy it from the repository by hand if you want the new one).")
        for name, n in self.untranslated.items():
            lines.append(f"  {name}: {n} paragraphs have no translation yet and are in English.")
        return "\n".join(lines)


def _copy_new(sources: list[tuple[str, bytes]], target_dir: Path, done: CourseCopy) -> None:
    target_dir.mkdir(parents=True, exist_ok=True)
    for name, content in sources:
        target = target_dir / name
        if target.exists():
            done.kept.append(target)
            if target.read_bytes() != content:
                done.outdated.append(target)
            continue
        target.write_bytes(content)
        done.copied.append(target)


def _in_language(repo: Path, kind: str, paths: list[Path], lang: str,
                 done: CourseCopy) -> list[tuple[str, bytes]]:
    """Each notebook's bytes, translated to ``lang`` unless it is English."""
    if lang == "en":
        return [(p.name, p.read_bytes()) for p in paths]
    import nbformat

    from ._notebook_i18n import catalogue_of, translate_notebook

    out = []
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        nb, missing = translate_notebook(nb, catalogue_of(repo, kind, path.stem, lang), lang)
        if missing:
            done.untranslated[f"{kind}/{path.name}"] = len(missing)
        out.append((path.name, (nbformat.writes(nb) + "\n").encode()))
    return out


def prepare_course(repo: str | Path, course: str | Path, lang: str = "en") -> CourseCopy:
    """Fill ``course/lessons`` and ``course/exercises`` without overwriting a file.

    Parameters
    ----------
    repo : path
        The repository root (holds ``lessons/`` and ``exercises/_build/student/``).
    course : path
        The learner's folder (created if missing).
    lang : {"en", "ja"}
        ``ja``: the notebooks translated from ``book/locales/ja/LC_MESSAGES`` (paragraphs
        without a translation stay in English and are counted in ``untranslated``).

    Raises
    ------
    resourcekit.errors.DataError
        ``lessons/`` holds no notebook, or the student exercises are not built, or a
        notebook has no catalogue in ``lang``.
    resourcekit.errors.OptionError
        ``lang`` is not ``"en"`` or ``"ja"``.

    >>> import tempfile, pathlib
    >>> repo = pathlib.Path(tempfile.mkdtemp())
    >>> (repo / "lessons").mkdir(); _ = (repo / "lessons" / "01-a.ipynb").write_text("{}")
    >>> (repo / "exercises/_build/student").mkdir(parents=True)
    >>> _ = (repo / "exercises/_build/student/01-a.ipynb").write_text("{}")
    >>> len(prepare_course(repo, repo / "course").copied)
    2
    >>> _ = (repo / "course/exercises/01-a.ipynb").write_text("my answers")
    >>> done = prepare_course(repo, repo / "course")
    >>> len(done.copied), len(done.kept), (repo / "course/exercises/01-a.ipynb").read_text()
    (0, 2, 'my answers')
    """
    from .errors import DataError, OptionError

    if lang not in ("en", "ja"):
        raise OptionError(f"prepare_course: lang = {lang!r}; the course exists in 'en' and 'ja'")
    repo, course = Path(repo), Path(course)
    lessons = sorted((repo / "lessons").glob("[0-9]*.ipynb"))
    students = sorted((repo / "exercises" / "_build" / "student").glob("[0-9]*.ipynb"))
    if not lessons:
        raise DataError(f"repo={str(repo)!r}: lessons/ holds no lesson notebook")
    if not students:
        raise DataError(f"repo={str(repo)!r}: exercises/_build/student/ is empty; expected the "
                        "student exercises (run `make exercises` first)")
    done = CourseCopy()
    _copy_new(_in_language(repo, "lessons", lessons, lang, done), course / "lessons", done)
    _copy_new(_in_language(repo, "exercises", students, lang, done), course / "exercises", done)
    if lang != "en":  # the course's own file (not a learner's): written every time
        import json

        from ._notebook_i18n import COURSE_FILE, course_messages

        words = {"lang": lang, "messages": course_messages(repo, lang)}
        (course / COURSE_FILE).write_text(json.dumps(words, ensure_ascii=False, indent=0),
                                          encoding="utf-8")
    return done


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m resourcekit._lab", description=__doc__)
    parser.add_argument("course", nargs="?", default="course")
    parser.add_argument("--repo", default=".")
    parser.add_argument("--lang", default="en", choices=["en", "ja"])
    args = parser.parse_args(argv)
    print(prepare_course(args.repo, args.course, args.lang).summary())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
