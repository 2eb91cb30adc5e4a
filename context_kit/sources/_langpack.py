"""The optional many-language bundle: ``pip install 'context_kit[languages]'``.

``tree-sitter-language-pack`` 0.x ships ~170 compiled grammars inside its wheel. Its 1.x
line downloads grammars on first use, which breaks the offline promise (and fails on an
air-gapped machine), so only 0.x is ever used: a 1.x install counts as absent.

The bundle is consulted only for extensions listed here, which excludes every language
that has an official wheel among the core dependencies (those always win) and grammars
that misbehave (the 0.13 COBOL parser never returns on some inputs). Nothing is imported
until a file of one of these languages is sliced, so users without the extra, or without
such files, pay nothing.
"""

from __future__ import annotations

import importlib
import logging
from functools import cache
from importlib import metadata, util
from typing import Any

__all__ = [
    "PACK_DISTRIBUTION",
    "PACK_EXTENSIONS",
    "load_pack_language",
    "pack_available",
    "pack_language_for_extension",
]

log = logging.getLogger("context_kit")

PACK_DISTRIBUTION = "tree-sitter-language-pack"
"""The distribution behind the ``languages`` extra."""

_PACK_MODULE = "tree_sitter_language_pack"

# Newest major version whose wheel holds the grammars themselves.
_LAST_OFFLINE_MAJOR = 0

PACK_EXTENSIONS: dict[str, tuple[str, ...]] = {
    "ada": (".adb", ".ads"),
    "arduino": (".ino",),
    # zsh scripts are already read as shell by their #! line; its functions, aliases and
    # conditionals parse as bash (oh-my-zsh: 820 functions where there were 538 windows).
    "bash": (".sh", ".bash", ".zsh", ".zsh-theme"),
    "cairo": (".cairo",),
    "capnp": (".capnp",),
    "cuda": (".cu", ".cuh"),
    "d": (".d",),
    "dart": (".dart",),
    "elisp": (".el",),
    "elixir": (".ex", ".exs"),
    "elm": (".elm",),
    "erlang": (".erl", ".hrl"),
    "fish": (".fish",),
    "fortran": (".f90", ".f95", ".f03", ".f08"),
    "gdscript": (".gd",),
    "gleam": (".gleam",),
    "glsl": (".glsl", ".vert", ".frag", ".geom", ".comp", ".tesc", ".tese"),
    "hack": (".hack",),
    "hare": (".ha",),
    "hcl": (".tf", ".hcl"),
    "haskell": (".hs",),
    "haxe": (".hx",),
    "hlsl": (".hlsl",),
    "julia": (".jl",),
    "lua": (".lua",),
    "luau": (".luau",),
    "nim": (".nim", ".nims"),
    # ``.m`` is MATLAB's too: language_for_file reads one as Objective-C only by its content.
    "objc": (".m", ".mm"),
    "ocaml": (".ml",),
    "ocaml_interface": (".mli",),
    "odin": (".odin",),
    "pascal": (".pas", ".dpr", ".lpr"),
    "perl": (".pl", ".pm"),
    "powershell": (".ps1", ".psm1"),
    "proto": (".proto",),
    "purescript": (".purs",),
    "r": (".r",),
    "scala": (".scala", ".sc"),
    "solidity": (".sol",),
    "squirrel": (".nut",),
    "starlark": (".bzl", ".star"),
    "tcl": (".tcl",),
    "thrift": (".thrift",),
    "verilog": (".sv", ".svh"),
    "vim": (".vim",),
    "wgsl": (".wgsl",),
    "zig": (".zig",),
}
"""Bundle grammar name → file extensions (lower case, with the dot)."""


@cache
def _extension_table() -> dict[str, str]:
    return {ext: name for name, exts in PACK_EXTENSIONS.items() for ext in exts}


@cache
def pack_available() -> bool:
    """Whether a usable (0.x, grammars inside the wheel) bundle is installed.

    Decided from package metadata without importing the bundle.
    """
    if util.find_spec(_PACK_MODULE) is None:
        return False
    try:
        version = metadata.version(PACK_DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return False
    major = version.split(".", 1)[0]
    if not major.isdigit() or int(major) > _LAST_OFFLINE_MAJOR:
        log.info(
            "context_kit: %s %s fetches grammars at run time and is not used; "
            "install 'context_kit[languages]' for the offline 0.x bundle",
            PACK_DISTRIBUTION,
            version,
        )
        return False
    return True


def pack_language_for_extension(ext: str) -> str | None:
    """The bundle grammar for a lower-case extension, if the bundle is usable."""
    name = _extension_table().get(ext)
    if name is None or not pack_available():
        return None
    return name


@cache
def load_pack_language(name: str) -> Any | None:
    """The bundle's grammar ``name`` as a ``tree_sitter.Language``, or ``None``."""
    if name not in PACK_EXTENSIONS or not pack_available():
        return None
    from tree_sitter import Language

    try:
        pack = importlib.import_module(_PACK_MODULE)
        return Language(pack.get_binding(name))
    except (ImportError, LookupError, AttributeError, ValueError, TypeError, OSError):
        log.info("context_kit: grammar %s from %s did not load", name, PACK_DISTRIBUTION)
        return None
