"""Jupyter renderings of a pack and its report: readable and escaped."""

from __future__ import annotations

from pathlib import Path

import context_kit


def test_html_and_markdown_reprs(sample_repo: Path):
    (sample_repo / "pkg" / "evil.py").write_text(
        'def show_script():\n    return "<script>alert(1)</script>"\n'
    )
    packed = context_kit.pack(
        sample_repo, "show_script greet", budget=120, history=False, include_untracked=True
    )
    html = packed._repr_html_()
    assert html.startswith("<p><b>PackedContext</b>")
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert f"{packed.tokens}/120 tokens" in html
    assert all(f"<td>{it.rendering}</td>" in html for it in packed.items)
    report = packed.report._repr_html_()
    assert "<table>" in report and "<script>" not in report
    assert report.count("<tr>") == len(packed.report.entries) + 1
    assert any(e.reason in report for e in packed.report.dropped)
    md = packed.report._repr_markdown_()
    assert md.startswith("```text\n") and "decision" in md
    assert "| # | kind |" in packed._repr_markdown_()
