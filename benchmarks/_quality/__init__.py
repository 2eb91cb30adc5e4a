"""Helpers for ``benchmarks/quality.py``, the context_kit retrieval quality benchmark.

Modules:

* :mod:`gitutil` -- locating mirrors and materialising checkouts at a commit.
* :mod:`tasks` -- task sources (SWE-bench Lite dev jsonl, tasks mined from git history).
* :mod:`metrics` -- file / function / line recall, token recount, citation checks.
* :mod:`systems` -- the systems compared (context_kit, bm25-files, gold-files, aider).
* :mod:`report` -- aggregation into summary records and markdown tables.
"""
