"""Output formats: how one rendering becomes a cited block, and blocks become a document.

Every format cites each block (``path:start-end``, commit id, section path), and names the
commit that last changed a code slice when ``Index.pack`` attached one (the ``LAST_COMMIT``
keys of ``Slice.meta``; not on one-line mentions). A formatter is
pure text in, text out, so the packer can price a block exactly before choosing it:
the document is ``header + sep.join(blocks) + footer`` and nothing else.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from typing import Literal, Protocol

from ..errors import OptionError
from ..history import LAST_COMMIT
from ..renderers.code import _indent_of, elision_marker
from ..sources._lines import split_lines
from ..types import Rung, Slice

__all__ = ["FORMATS", "MERGED", "Formatter", "OutputFormat", "get_formatter", "merged_block"]

OutputFormat = Literal["markdown", "xml", "json"]

_RUNG_NOTE = {
    "full": "",
    "elided": " (body elided)",
    "banner_elided": " (licence banner elided)",
    "excerpt": " (excerpt)",
    "short_excerpt": " (excerpt)",
    "skeleton": " (outline)",
    "signature": " (signature only)",
    "lead": " (first paragraph)",
    "headers": " (hunk headers)",
    "stat": " (file stat)",
}


_SHORT_SHA = 12


def _last_commit(s: Slice) -> tuple[str, str, str] | None:
    """``(id, date, subject)`` of the commit that last changed ``s``, when it was attached."""
    sha, subject, when = (s.meta.get(k) for k in LAST_COMMIT)
    if not isinstance(sha, str) or not sha:
        return None
    date = ""
    if isinstance(when, int) and not isinstance(when, bool):
        date = datetime.fromtimestamp(when, tz=timezone.utc).strftime("%Y-%m-%d")
    return sha, date, subject if isinstance(subject, str) else ""


def _last_commit_line(s: Slice) -> str:
    """One line under a block's heading: the commit that last changed the slice."""
    last = _last_commit(s)
    if last is None:
        return ""
    sha, date, subject = last
    when = f" ({date})" if date else ""
    return f"Last changed in commit {sha[:_SHORT_SHA]}{when}: {subject}\n"


def _label(s: Slice, rung: Rung | None = None) -> str:
    """A block's citation: the lines the rung shows (``path:start-end``) or the commit.

    A trimmed rung cites its own extent, not the slice's: a class's outline reaches its
    last member's signature, past the header slice, and a section's lead its subsection
    headings; a signature cites the signature's lines.
    """
    if s.kind == "commit":
        return f"commit {s.commit}"
    if (
        rung is not None
        and rung.name != "mention"
        and s.path is not None
        and rung.start_line is not None
        and rung.end_line is not None
    ):
        return f"{s.path}:{rung.start_line}-{rung.end_line}"
    return s.citation


MERGED = "merged"
"""The rendering name of a block that shows several packed items of one file (see
:func:`merged_block`)."""

# Rungs of code whose text shows the declaration itself: no name beside their citation.
_SHOWS_ITS_NAME = frozenset({"full", MERGED, "banner_elided"})


def _shows_its_name(slice_: Slice, rung: Rung) -> bool:
    """Whether the block's text names the slice (whole code), so its heading need not."""
    return slice_.kind == "code" and rung.name in _SHOWS_ITS_NAME


def merged_block(
    fmt: Formatter,
    parts: Sequence[tuple[Slice, Rung]],
    gap_is_blank: Callable[[str, int, int], bool] | None = None,
) -> str:
    """One block showing ``parts`` (code of one file, in line order) under one citation.

    The rungs' texts follow each other; the lines between two parts are elided with a
    marker, or kept as blank lines where ``gap_is_blank`` says they hold nothing. The
    block cites the first part's first line to the last part's last.
    """
    first = parts[0][0]
    assert first.path is not None
    chunks: list[str] = []
    end = None
    for s, rung in parts:
        text = rung.text if rung.text.endswith("\n") else rung.text + "\n"
        start = s.start_line
        if end is not None and start is not None and start > end + 1:
            lo, hi = end + 1, start - 1
            if gap_is_blank is not None and gap_is_blank(first.path, lo, hi):
                chunks.append("\n" * (hi - lo + 1))
            else:
                line = next((ln for ln in split_lines(text) if ln.strip()), "")
                chunks.append(elision_marker(_indent_of(line), lo, hi))
        chunks.append(text)
        end = rung.end_line if rung.end_line is not None else s.end_line
    merged = first.model_copy(update={"end_line": end, "name": "", "meta": {}})
    rung = Rung.model_construct(
        name=MERGED,
        text="".join(chunks),
        fidelity=1.0,
        start_line=first.start_line,
        end_line=end,
        verbatim=None,
    )
    return fmt.block(merged, rung)


class Formatter(Protocol):
    """Turns rungs into blocks and blocks into the packed document."""

    name: str
    header: str
    separator: str
    footer: str

    def block(self, slice_: Slice, rung: Rung) -> str:
        """The block for one rung of one slice."""
        ...


def _fence(text: str) -> str:
    if "```" not in text:  # the common case; skips the regex scan
        return "```"
    longest = max((len(m) for m in re.findall(r"`{3,}", text)), default=2)
    return "`" * max(3, longest + 1)


class MarkdownFormatter:
    """Markdown: a cited heading and a fenced block per slice; mentions as list items."""

    name = "markdown"
    header = "# Repository context\n\n"
    separator = "\n"
    footer = ""

    def block(self, slice_: Slice, rung: Rung) -> str:
        """A ``###`` citation heading and a fenced block (or one list line for mentions)."""
        if rung.name == "mention":
            return f"- {rung.text.rstrip()}\n"
        body = rung.text if rung.text.endswith("\n") else rung.text + "\n"
        what = slice_.symbol_kind if slice_.kind != "doc" else "section"
        name = f" `{slice_.name}`" if slice_.name else ""
        note = _RUNG_NOTE.get(rung.name, f" ({rung.name})")
        last = _last_commit_line(slice_)
        if slice_.kind == "doc":
            if (
                rung.name == "full"
                and " > " not in slice_.name
                and slice_.meta.get("level")
                and (slice_.part is None or slice_.part[0] == 1)
            ):
                # A top-level section's text opens with its own heading: naming it again
                # in the citation line only cost tokens. A nested one keeps its path.
                return f"### {_label(slice_, rung)}\n{last}\n{body}"
            return f"### {_label(slice_, rung)} — {what}{name}{note}\n{last}\n{body}"
        fence = _fence(body)
        lang = slice_.language or ""
        if slice_.kind == "commit":
            lang = "diff"
        if _shows_its_name(slice_, rung):
            # The code itself shows what the symbol is; naming it again in the heading
            # cost ~9 tokens per item (8% of a 4k pack) and told the model nothing new.
            # A merged block's elision markers say what it leaves out, as does the
            # marker standing for a licence banner.
            return f"### {_label(slice_, rung)}\n{last}{fence}{lang}\n{body}{fence}\n"
        label = _label(slice_, rung)
        return f"### {label} — {what}{name}{note}\n{last}{fence}{lang}\n{body}{fence}\n"


def _xml_escape(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


def _cdata(text: str) -> str:
    # CDATA keeps code verbatim; only a literal "]]>" must be split across two sections.
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


class XmlFormatter:
    """XML-tagged blocks, the layout some providers recommend for long context.

    Content sits in CDATA sections so code stays verbatim (``<`` and ``&`` unescaped).
    """

    name = "xml"
    header = "<context>\n"
    separator = ""
    footer = "</context>\n"

    def block(self, slice_: Slice, rung: Rung) -> str:
        """A ``<slice>`` element with citation attributes."""
        body = rung.text if rung.text.endswith("\n") else rung.text + "\n"
        if rung.name == "mention":
            # Its one line opens with the citation and names the slice: attributes
            # repeating them cost more than the line (see JsonFormatter).
            return f'<slice kind="{slice_.kind}" rendering="mention">{_cdata(body)}</slice>\n'
        attrs = [f'kind="{slice_.kind}"', f'cite="{_xml_escape(_label(slice_, rung))}"']
        # As in Markdown and JSON: whole code is not named, ``full`` goes without saying.
        if slice_.name and not _shows_its_name(slice_, rung):
            attrs.append(f'name="{_xml_escape(slice_.name)}"')
        if rung.name != "full":
            attrs.append(f'rendering="{rung.name}"')
        last = _last_commit(slice_) if rung.name != "mention" else None
        if last is not None:
            sha, date, subject = last
            attrs.append(f'last_commit="{sha}"')
            if date:
                attrs.append(f'last_commit_date="{date}"')
            attrs.append(f'last_commit_subject="{_xml_escape(subject)}"')
        return f"<slice {' '.join(attrs)}>{_cdata(body)}</slice>\n"


class JsonFormatter:
    """One JSON document: ``{"context": [ {...}, ... ]}``, one object per line.

    Each object holds what the Markdown block says and no more: ``kind``, ``cite``
    (``path:start-end`` or ``commit <sha>``), ``name`` where the Markdown heading
    names the slice (not beside full code, which shows its own declaration),
    ``rendering`` when it is not ``full``, ``last_commit`` when attached, and ``text``.
    A mention is ``kind``, ``rendering`` and its one line, which opens with the citation
    (``path:line  name(params)``), as the Markdown list line does.
    The document is prompt text, so it does not repeat the citation's path and lines as
    fields (that cost ~25 tokens an object); programs read them from
    :attr:`PackedContext.items <context_kit.PackedContext.items>`.
    """

    name = "json"
    header = '{"context": [\n'
    separator = ",\n"
    footer = "\n]}\n"

    def block(self, slice_: Slice, rung: Rung) -> str:
        """One JSON object (no trailing separator)."""
        if rung.name == "mention":
            # A mention's one line opens with its citation (``path:line`` or the commit)
            # and names the slice; ``cite`` and ``name`` beside it cost ~25 tokens of a
            # ~60-token object, which is why JSON packs held half Markdown's mentions.
            return json.dumps(
                {"kind": slice_.kind, "rendering": "mention", "text": rung.text},
                ensure_ascii=False,
            )
        obj: dict[str, object] = {"kind": slice_.kind, "cite": _label(slice_, rung)}
        if slice_.name and not _shows_its_name(slice_, rung):
            obj["name"] = slice_.name
        if rung.name != "full":
            obj["rendering"] = rung.name
        last = _last_commit(slice_) if rung.name != "mention" else None
        if last is not None:
            obj["last_commit"] = {"commit": last[0], "date": last[1], "subject": last[2]}
        obj["text"] = rung.text
        return json.dumps(obj, ensure_ascii=False)


FORMATS: dict[str, Formatter] = {
    "markdown": MarkdownFormatter(),
    "xml": XmlFormatter(),
    "json": JsonFormatter(),
}
"""Built-in formatters by name."""


def get_formatter(name: str | Formatter) -> Formatter:
    """A formatter by name (``markdown``, ``xml``, ``json``) or the instance given.

    Raises:
        OptionError: Unknown format name.
    """
    if not isinstance(name, str):
        return name
    try:
        return FORMATS[name]
    except KeyError:
        raise OptionError(
            f"unknown format {name!r}; choose one of {', '.join(sorted(FORMATS))}", name="format"
        ) from None
