# resourcekit: two commands (README): `make book` and `make test`. Everything else builds on them.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.rk-installed
JOBS   ?= $(shell nproc 2>/dev/null || echo 2)
SUBMISSIONS ?= submissions
RESULTS ?= results
EXERCISE ?=
# EXAM has a default for `make exam`; `make grade` grades an exam only when EXAM is given.
GRADE_EXERCISE = $(EXERCISE)
GRADE_EXAM = $(if $(filter command line environment,$(origin EXAM)),$(EXAM))

.PHONY: help setup book book-ja book-pot test lab notebook exercises grade bench browser sandbox lint clean exam slides

help:
	@echo "make book       set up .venv, execute every lesson, build the HTML book"
	@echo "make book LANG=ja   only the Japanese edition (book/_build/html-ja; also make book-ja)"
	@echo "make book-pot   extract messages, update book/locales/ja/LC_MESSAGES/*.po (sphinx-intl)"
	@echo "make test       set up .venv (and Chromium, a Japanese font, bubblewrap), run the whole suite"
	@echo "make lab        open JupyterLab on course/: lessons and student exercises"
	@echo "make lab LANG=ja    the same in Japanese, in course-ja/ (also make notebook LANG=ja)"
	@echo "make slides LANG=ja the lecture decks in Japanese (book/_build/slides-ja)"
	@echo "make notebook   the same course/ in Jupyter Notebook 7"
	@echo "make exercises  write student and solution versions to exercises/_build/"
	@echo "make grade SUBMISSIONS=dir RESULTS=dir EXERCISE=name   grade practice submissions"
	@echo "make grade SUBMISSIONS=dir RESULTS=dir EXAM=file       grade an exam (certificates)"
	@echo "make exam EXAM=file LEARNERS=learners.csv OUT=dir   one exam notebook per learner"
	@echo "make slides     one reveal.js deck per lesson in book/_build/slides/"
	@echo "make bench      run the benchmarks (installs pyrolite as a baseline)"

# Python's default, bytecode written beside the modules, for every command here: with
# PYTHONDONTWRITEBYTECODE set (as on our CI machines), and uv installing without bytecode, every
# kernel, server and test worker compiled pandas, altair, scipy... again from source (`import
# pandas` 1.35 s against 0.61 s; the suite 573 -> 496 s, issue 25). Compiling the whole
# environment at install (uv --compile-bytecode) costs 30 s of set-up for modules mostly never
# imported; this compiles each module the first time any command imports it.
unexport PYTHONDONTWRITEBYTECODE

# The environment: created when missing, refreshed when pyproject.toml changes.
$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check uv
	$(VENV)/bin/uv pip install --quiet --python $(PY) -e ".[book,test]"
	$(PY) -m resourcekit warm  # numba's on-disk cache for UMAP: a cold embedding skips the JIT
	@touch $(STAMP)

setup: $(STAMP)

exercises: setup
	$(PY) -m resourcekit.grading build

# `make book` builds the English and the Japanese edition (issue 26); `make book LANG=ja` or
# `make book-ja` only the Japanese one, `make book LANG=en` only the English one. LANG counts
# only when given on the command line (the environment's LANG is a locale such as C.UTF-8).
BOOK_LANG = $(if $(filter command line,$(origin LANG)),$(LANG),all)

# Both editions are built at the same time, each in its own process (book/_ext/build_edition.py);
# BOOK_JOBS=1 builds one after the other (the tests do, beside their other worker).
BOOK_EDITIONS = $(if $(filter all,$(BOOK_LANG)),en ja,$(BOOK_LANG))

book: exercises
	$(PY) book/prepare.py
	$(PY) book/_ext/build_edition.py build $(BOOK_EDITIONS)

book-ja:
	$(MAKE) --no-print-directory book LANG=ja

# Translation catalogues: extract the book's messages (book/_build/gettext/*.pot) and create or
# update book/locales/ja/LC_MESSAGES/*.po with sphinx-intl (translated entries are kept); the
# words of the lessons' charts and the lines their cells print join each lesson's catalogue
# (book/_ext/rk_chart_i18n.py, book/_ext/rk_output_i18n.py).
book-pot: exercises
	$(PY) book/prepare.py
	$(PY) book/_ext/build_edition.py gettext
	$(PY) book/_ext/rk_chart_i18n.py pot
	$(PY) book/_ext/rk_output_i18n.py pot
	$(VENV)/bin/sphinx-intl update -p book/_build/gettext -d book/locales -l ja

# Chromium for the headless browser tests (Debian packages).
browser:
	@if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium chromium-driver >/dev/null; \
	fi
	@# a Japanese font: the Japanese pages, charts (PNG) and PDF certificates draw with it
	@if ! fc-list :lang=ja | grep -q .; then \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq fonts-noto-cjk >/dev/null; \
	fi

# bubblewrap: every learner kernel is graded in its own sandbox (Debian package).
sandbox:
	@if ! command -v bwrap >/dev/null || ! command -v setpriv >/dev/null; then \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq bubblewrap util-linux >/dev/null; \
	fi

# The set-up's time is measured and handed to pytest, which prints it with its own time and the
# five slowest tests as the last lines before its summary (tests/conftest.py).
test:
	@start=$$(date +%s); $(MAKE) --no-print-directory setup browser sandbox || exit 1; \
	export RK_SETUP_SECONDS=$$(( $$(date +%s) - start )); \
	$(PY) -m pytest -n $(JOBS) --dist loadgroup --durations=25

# course/ (git-ignored): lessons and student exercises side by side, so the notebooks' links
# ../exercises/NN-*.ipynb and ../lessons/NN-*.ipynb work; a learner's copy is never overwritten.
# `make lab LANG=ja` (or `make notebook LANG=ja`): course-ja/, the same notebooks in Japanese
# (markdown, hints and check()'s messages from book/locales/ja; the code is the same).
COURSE_LANG = $(if $(filter command line,$(origin LANG)),$(LANG),en)
COURSE_DIR = $(if $(filter ja,$(COURSE_LANG)),course-ja,course)

lab: exercises
	$(PY) -m resourcekit._lab $(COURSE_DIR) --lang $(COURSE_LANG)
	$(VENV)/bin/jupyter lab --ServerApp.allow_root=True $(COURSE_DIR)

notebook: exercises
	$(PY) -m resourcekit._lab $(COURSE_DIR) --lang $(COURSE_LANG)
	$(VENV)/bin/jupyter notebook --ServerApp.allow_root=True $(COURSE_DIR)

# What is graded comes from the command: EXERCISE=<master name> or EXAM=<exam file or id>.
grade: setup sandbox
	@if [ -z "$(GRADE_EXERCISE)$(GRADE_EXAM)" ]; then \
	  echo "make grade needs EXERCISE=<name> (practice) or EXAM=<file> (exam)"; exit 2; fi
	$(PY) -m resourcekit.grading grade $(SUBMISSIONS) --out $(RESULTS) --jobs $(JOBS) \
	  $(if $(GRADE_EXERCISE),--exercise $(GRADE_EXERCISE)) $(if $(GRADE_EXAM),--exam $(GRADE_EXAM)) \
	  $(if $(BANK),--bank $(BANK))

bench: setup
	$(VENV)/bin/uv pip install --quiet --python $(PY) -e ".[book,test,bench]"
	@for b in benchmarks/bench_*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

lint: setup
	$(VENV)/bin/ruff check toolkit tests benchmarks book/prepare.py

clean:
	rm -rf book/_build book/lessons book/exercises exercises/_build

# --- certification and lectures (issue 6) ---
EXAM ?= exercises/exams/physical-separation.yml
LEARNERS ?= learners.csv
OUT ?= exam-notebooks
SLIDES ?= book/_build/$(if $(filter ja,$(COURSE_LANG)),slides-ja,slides)

# One exam notebook per learner: OUT/<learner_id>.ipynb (numbers drawn per learner id).
exam: setup
	$(PY) -m resourcekit.grading exam $(EXAM) --learners $(LEARNERS) --out $(OUT) \
	  $(if $(BANK),--bank $(BANK))

# reveal.js comes from the PyPI package sphinx-revealjs (it ships reveal.js's dist/).
# `make slides LANG=ja`: the decks in Japanese (book/_build/slides-ja), from the book's catalogues.
slides: setup
	$(PY) -m resourcekit.slides --lessons lessons --out $(SLIDES) --lang $(COURSE_LANG)
