"""Find credentials in text and replace them with fixed markers, before anything is packed.

Users paste packed context into a third party's model, so a secret that reaches a slice is a
secret sent away. Redaction therefore happens at *ingestion*: the file walk redacts every
file's text (and the bytes any later stage re-reads), the git source redacts commit
messages and diffs, and the packer scans the assembled text once more as a backstop.

Each secret *value* becomes ``[REDACTED:<rule>]``; newlines inside a match are kept, so
every line keeps its number and citations stay right. Files that exist to hold secrets are
not read at all (reason ``secret`` in ``Index.skipped``), and their hunks are dropped from
commit diffs. ``Index.build(redact_secrets=False)`` turns all of it off (and says so in
the log and in every report).

Why our own rules rather than ``detect-secrets`` (Yelp, 1.5.0): measured on the 103 Python
files (1.8 MB) of the ``hypothesis`` package, its default plugin scan took 47 s (0.04 MB/s)
where these rules took 0.4-0.7 s (2.6-4.3 MB/s), and on this repository 13 s against
0.04 s; it also *reports* lines rather than returning the value spans redaction needs. The
rules are well-known public token formats plus structural ones:

======================  ==================================================================
rule                    matches
======================  ==================================================================
``private-key``         a ``-----BEGIN ... PRIVATE KEY-----`` block up to its END line (or,
                        cut off, the base64 lines after it)
``aws-access-key``      ``AKIA``/``ASIA``/... followed by 16 upper-case letters or digits
``github-token``        ``ghp_``/``gho_``/``ghu_``/``ghs_``/``ghr_`` tokens, ``github_pat_``
``gitlab-token``        ``glpat-...``
``slack-token``         ``xoxb-``/``xoxp-``/``xoxa-``/``xoxr-``/``xoxs-`` tokens, Slack
                        webhook URLs
``stripe-key``          ``sk_live_``/``rk_live_``/``sk_test_``/``rk_test_`` keys
``google-api-key``      ``AIza`` + 35 characters
``openai-key``          ``sk-...`` keys (``sk-proj-``, ``sk-ant-`` included)
``npm-token``           ``npm_`` + 36 characters
``pypi-token``          ``pypi-AgE...`` upload tokens
``sendgrid-key``        ``SG.xxx.yyy``
``jwt``                 three base64url parts, the first two starting ``eyJ``
``aws-secret-key``      a 40-character base64 run on the line of an AWS access key id
``azure-key``           ``AccountKey=`` values
``bearer-token``        the credential after ``Bearer``
``huggingface-token``,  ``hf_...``, ``shpat_...``, ``dop_v1_...``, ``sq0atp-...``, Twilio
``shopify-token``...    ``SK...``, Mailgun ``key-...``, Mailchimp ``...-us1``, Telegram bot
                        tokens, ``dapi...``, ``AGE-SECRET-KEY-1...``, ``glsa_``, ``PMAK-``,
                        ``hvs.``, Sentry DSN keys
``url-password``        the password in ``scheme://user:password@host``
``assigned-secret``     a literal assigned to a name whose last word is ``password``,
                        ``secret``, ``token``, ``apikey``/``api_key`` and the like (see
                        ``SECRET_NAME_WORDS``): quoted values of ``MIN_QUOTED_SECRET_CHARS``
                        or more that are not placeholders, bare values when they look random
                        (``MIN_BARE_SECRET_CHARS`` characters, ``MIN_BARE_SECRET_ENTROPY``
                        bits per character); in configuration files (:func:`is_config_file`)
                        any bare value of ``MIN_QUOTED_SECRET_CHARS`` or more
======================  ==================================================================

>>> redact("key = 'AKIAIOSFODNN7EXAMPLE'").text
"key = '[REDACTED:aws-access-key]'"
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field

__all__ = [
    "MARKER_RE",
    "MIN_BARE_SECRET_CHARS",
    "MIN_BARE_SECRET_ENTROPY",
    "MIN_QUOTED_SECRET_CHARS",
    "RULES_VERSION",
    "SECRET_NAME_WORDS",
    "Redaction",
    "is_config_file",
    "is_secret_file",
    "marker",
    "redact",
    "redacted_counts",
]

RULES_VERSION = "3"
"""Bumped whenever the rules change, so caches of redacted text are invalidated."""

MIN_QUOTED_SECRET_CHARS = 6
"""A quoted literal assigned to a secret-like name is redacted from this length on: shorter
ones are flags and placeholders (``""``, ``"none"``), not credentials."""

MIN_BARE_SECRET_CHARS = 8
"""An unquoted value (``password: ...`` in YAML or INI) must be this long to be redacted..."""

MIN_BARE_SECRET_ENTROPY = 2.5
"""...and carry at least this many bits of Shannon entropy per character, which random
tokens do (4+) and words and identifiers such as ``settings.SECRET`` rarely do."""

# Redaction passes at most (each pass can only uncover a value glued to one just replaced).
_MAX_PASSES = 8

# A key block without its END line (a diff cut it off) is redacted up to this many
# characters of base64-looking lines after its BEGIN line.
_MAX_KEY_BLOCK_CHARS = 16384

SECRET_NAME_WORDS = frozenset(
    {
        "password",
        "passwd",
        "pwd",
        "pass",
        "passphrase",
        "secret",
        "token",
        "apikey",
        "credential",
        "credentials",
        "auth",
    }
)
"""Last words of a name that marks its value as a secret (``DB_PASSWORD``, ``authToken``).
``key`` counts only after a qualifier in ``_KEY_QUALIFIERS`` (``api_key``, ``SECRET_KEY``),
so ``sort_key = "name"`` is left alone."""

_KEY_QUALIFIERS = frozenset(
    {"api", "access", "secret", "private", "auth", "client", "signing", "encryption", "master"}
)

_SECRET_FILE_NAMES = frozenset(
    {
        ".netrc",
        "_netrc",
        ".pgpass",
        ".htpasswd",
        ".git-credentials",
        ".npmrc",
        ".pypirc",
        ".dockercfg",
        "credentials",
        "credentials.json",
        "credentials.yml",
        "credentials.yaml",
        "secrets.json",
        "secrets.yml",
        "secrets.yaml",
        "secrets.toml",
        "secrets.env",
        "id_rsa",
        "id_dsa",
        "id_ecdsa",
        "id_ed25519",
        "terraform.tfstate",
        "terraform.tfstate.backup",
    }
)
_SECRET_SUFFIXES = (
    ".pem",
    ".key",
    ".p12",
    ".pfx",
    ".jks",
    ".keystore",
    ".ppk",
    ".kdbx",
    ".tfvars",
    ".tfstate",
)
_SECRET_NAME_RE = re.compile(
    r"^(?:\.env(?:\..*)?|.*\.env|service[-_]?account.*\.json|client[-_]?secret.*\.json"
    r"|.*credentials.*\.json)$",
    re.IGNORECASE,
)


def is_secret_file(path: str) -> bool:
    """Whether ``path`` names a file that exists to hold credentials (never read).

    ``.env`` and every ``.env.*`` variant (examples too: they are too often real),
    private keys (``id_rsa``, ``*.pem``, ``*.key``), key stores, ``.netrc``-style files,
    cloud credential files and Terraform state.

    >>> is_secret_file("deploy/.env.production"), is_secret_file("src/env.py")
    (True, False)
    """
    name = path.rsplit("/", 1)[-1]
    lower = name.lower()
    if lower in _SECRET_FILE_NAMES or lower.endswith(_SECRET_SUFFIXES):
        return True
    return bool(_SECRET_NAME_RE.match(name))


_CONFIG_SUFFIXES = (
    ".yaml",
    ".yml",
    ".ini",
    ".cfg",
    ".conf",
    ".properties",
    ".toml",
    ".env",
    ".config",
    ".hcl",
    ".sh",
    ".bash",
    ".zsh",
    ".envrc",
)
_CONFIG_NAMES = frozenset({"dockerfile", "makefile", "procfile", ".envrc", "containerfile"})


def is_config_file(path: str) -> bool:
    """Whether ``path`` is configuration (YAML, INI, TOML, properties, shell, Dockerfile...).

    >>> is_config_file("deploy/values.yaml"), is_config_file("app/settings.py")
    (True, False)
    """
    name = path.rsplit("/", 1)[-1].lower()
    return name in _CONFIG_NAMES or name.endswith(_CONFIG_SUFFIXES)


def marker(rule: str) -> str:
    """The text that replaces a secret found by ``rule``: ``[REDACTED:<rule>]``."""
    return f"[REDACTED:{rule}]"


_MARKER_START = "[REDACTED:"

MARKER_RE = re.compile(r"\[REDACTED:([a-z0-9-]+)\]")
"""Matches a redaction marker; group 1 is the rule's name."""


@dataclass(frozen=True)
class Redaction:
    """The result of :func:`redact`.

    Attributes:
        text: The text with every secret value replaced by a marker (same line count).
        counts: How many values each rule replaced.
    """

    text: str
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        """Values replaced, all rules together."""
        return sum(self.counts.values())


# ----------------------------------------------------------------------------- rules
# A token rule: its name, literal anchors (the regex runs only on text holding one, a plain
# substring test that keeps every pattern off almost every file), whether the match must
# start at a word boundary (only for prefixes that also occur inside words: "sk-" in
# "task-", "SG." in "MSG."; distinctive prefixes match even glued to other text), and the
# pattern, which starts with a literal so the regex
# engine can skip ahead. The value is the whole match, or group "v" when there is one.
_WORD_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_")
_AWS_PREFIXES = ("AKIA", "ASIA", "ABIA", "ACCA", "AGPA", "AIDA", "AROA", "AIPA", "ANPA", "ANVA")
_TOKEN_RULES: tuple[tuple[str, tuple[str, ...], bool, re.Pattern[str]], ...] = tuple(
    (name, anchors, bounded, re.compile(pattern))
    for name, anchors, bounded, pattern in (
        (
            "aws-access-key",
            (*_AWS_PREFIXES, "APKA", "A3T"),
            False,
            r"(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|APKA)"
            r"[A-Z0-9]{16}",
        ),
        (
            "github-token",
            ("ghp_", "gho_", "ghu_", "ghs_", "ghr_"),
            False,
            r"gh[pousr]_[A-Za-z0-9]{36,255}",
        ),
        ("github-token", ("github_pat_",), False, r"github_pat_[A-Za-z0-9_]{22,255}"),
        ("gitlab-token", ("glpat-",), False, r"glpat-[A-Za-z0-9_\-]{20,}"),
        ("slack-token", ("xox",), False, r"xox[abposr]-[A-Za-z0-9-]{10,}"),
        (
            "slack-token",
            ("hooks.slack.com",),
            False,
            r"hooks\.slack\.com/services/[A-Za-z0-9_/]{20,}",
        ),
        ("stripe-key", ("_live_", "_test_"), True, r"[sr]k_(?:live|test)_[A-Za-z0-9]{16,}"),
        ("google-api-key", ("AIza",), False, r"AIza[0-9A-Za-z_\-]{35}"),
        (
            "openai-key",
            ("sk-proj-", "sk-ant-", "sk-svcacct-", "sk-admin-"),
            False,
            r"sk-(?:proj-|ant-[a-z0-9]*-?|svcacct-|admin-)[A-Za-z0-9_\-]{20,}",
        ),
        ("openai-key", ("sk-",), True, r"sk-[A-Za-z0-9_\-]{20,}"),
        ("npm-token", ("npm_",), False, r"npm_[A-Za-z0-9]{36}"),
        ("pypi-token", ("pypi-AgE",), False, r"pypi-AgE[A-Za-z0-9_\-]{50,}"),
        ("sendgrid-key", ("SG.",), True, r"SG\.[A-Za-z0-9_\-]{16,32}\.[A-Za-z0-9_\-]{16,64}"),
        (
            "jwt",
            ("eyJ",),
            True,
            # The look-behind lets a match start only where a run starts: without it a long
            # run holding many "eyJ" is rescanned from each one (quadratic).
            r"(?<![A-Za-z0-9_\-])eyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}",
        ),
        ("huggingface-token", ("hf_",), True, r"hf_[A-Za-z]{34,40}(?![A-Za-z0-9_])"),
        (
            "shopify-token",
            ("shpat_", "shpss_", "shpca_", "shppa_"),
            False,
            r"shp(?:at|ss|ca|pa)_[a-fA-F0-9]{32}",
        ),
        ("digitalocean-token", ("_v1_",), False, r"do[por]_v1_[a-f0-9]{64}"),
        ("square-token", ("sq0atp-", "sq0csp-"), False, r"sq0(?:atp|csp)-[0-9A-Za-z\-_]{22,}"),
        ("slack-token", ("xapp-",), False, r"xapp-[A-Za-z0-9-]{20,}"),
        ("twilio-key", ("SK",), True, r"SK[0-9a-fA-F]{32}(?![A-Za-z0-9_])"),
        ("mailgun-key", ("key-",), True, r"key-[0-9a-zA-Z]{32}(?![A-Za-z0-9_])"),
        ("mailchimp-key", ("-us",), True, r"[0-9a-f]{32}-us[0-9]{1,2}(?![A-Za-z0-9_])"),
        ("telegram-token", (":AA",), True, r"[0-9]{8,10}:AA[0-9A-Za-z_\-]{33}"),
        ("databricks-token", ("dapi",), True, r"dapi[a-f0-9]{32}"),
        ("age-secret-key", ("AGE-SECRET-KEY-1",), False, r"AGE-SECRET-KEY-1[0-9A-Z]{58}"),
        ("grafana-token", ("glsa_", "glc_"), False, r"gl(?:sa|c)_[A-Za-z0-9_=+/]{32,}"),
        ("postman-key", ("PMAK-",), False, r"PMAK-[0-9a-f]{24}-[0-9a-f]{34}"),
        ("vault-token", ("hvs.", "hvb."), True, r"hv[sb]\.[A-Za-z0-9_\-]{24,}"),
        ("sentry-dsn", ("://",), False, r"://(?P<v>[0-9a-f]{32})(?::[0-9a-f]{32})?@"),
        (
            "bearer-token",
            ("Bearer", "bearer"),
            False,
            r"[Bb]earer[ \t]+(?P<v>[A-Za-z0-9\-._~+/]{16,}=*)",
        ),
        ("azure-key", ("AccountKey=",), False, r"AccountKey=(?P<v>[A-Za-z0-9+/]{30,}={0,2})"),
        (
            "url-password",
            ("://",),
            False,
            r"://[^\s:/@'\"`<>]{1,64}:(?P<v>[^\s@/'\"`<>]{3,128})@[A-Za-z0-9.\-\[]",
        ),
    )
)


def _anchor_groups() -> tuple[tuple[re.Pattern[str], frozenset[int]], ...]:
    """One regex per first character of the anchors, and the rules whose anchors start so.

    A file is scanned once per group instead of once per anchor (58 anchors, 17 first
    characters): an alternation sharing its first character is searched like that one
    literal, and most groups find nothing in most files, so their rules are never looked
    at again. Where a group finds something, each of its rules' anchors is still tested
    exactly, so the rules that run are the same as with one test per anchor.
    """
    by_char: dict[str, tuple[set[str], set[int]]] = {}
    for i, (_, anchors, _, _) in enumerate(_TOKEN_RULES):
        for a in anchors:
            words, rules = by_char.setdefault(a[0], (set(), set()))
            words.add(a)
            rules.add(i)
    return tuple(
        (re.compile("|".join(re.escape(a) for a in sorted(words))), frozenset(rules))
        for _, (words, rules) in sorted(by_char.items())
    )


_ANCHOR_GROUPS = _anchor_groups()

_PRIVATE_KEY_BEGIN = re.compile(r"-----BEGIN[A-Z0-9 ]{0,40} PRIVATE KEY(?: BLOCK)?-----")
_PRIVATE_KEY_END = re.compile(r"-----END[A-Z0-9 ]{0,40} PRIVATE KEY(?: BLOCK)?-----")
# A body line of a key block cut off before END (base64, PEM headers), once stripped of a
# diff prefix, quotes and blanks. Checked line by line with fullmatch: one character class,
# so no backtracking however long the line.
_KEY_BODY = re.compile(r"[A-Za-z0-9+/=\\]{8,}|[A-Z][A-Za-z\-]*:[ \t][ -~]*")

# Secret-like words; a hit is widened to the identifier holding it (the *name*), and what
# follows the name is matched against _VALUE: a separator, then a quoted literal (group q)
# or a bare run of non-space characters (group b).
_NAME_HINTS = ("pass", "pwd", "secret", "token", "key", "auth", "credential")
_NAME_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-")
_MAX_NAME_CHARS = 80
_VALUE = re.compile(
    r"\\?[\"'\]]?[ \t]*(?::=|=>|==|=|:|[ \t]is[ \t])[ \t]*"
    r"(?:(?P<prefix>[rRbBuUfF]{0,2})(?P<qq>\\?[\"'`])(?P<q>(?:(?!(?P=qq)).){1,400}?)(?P=qq)"
    r"|(?P<b>[^\s\"'`,;)\]}]{1,400}))"
)
_WORDS = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|[0-9]+")
_PLACEHOLDER = re.compile(
    r"^(?:\$\{?[A-Za-z_].*|\{\{.*\}\}|<[^>]*>|%\(?\w*\)?s|\*+|x+|\.+|-+|#+|"
    r"(?i:none|null|nil|true|false|undefined|changeme|pass|password|secret|token|example|"
    r"your[-_ ].*|placeholder|redacted|dummy|test|todo|xxx.*))$"
)
# Bare values that are code, not data: calls, subscripts and type annotations
# (``password: str``, ``token: dict[str, int]``), attribute paths (``settings.SECRET``),
# and plain names (``auth_token``). A name with _CODE_MAX_DIGITS digits or more is taken
# for data: random tokens are full of digits, variable names rarely are.
_CODE_LIKE = re.compile(
    r"^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)+(?:[(\[].*)?$"
    r"|^[A-Za-z_][A-Za-z0-9_]*[(\[].*$|.*\("
)
_AWS_SECRET = re.compile(r"(?<![A-Za-z0-9/+])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])")
_PLAIN_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# ``password={password}`` in an f-string, ``token=${TOKEN}``, ``secret=%(secret)s``: the
# value is filled in from a name at run time, so the text holds no credential.
_INTERPOLATION = re.compile(
    r"^(?:\$?\{[A-Za-z_][\w.\[\]'\"]*(?:![rsa])?(?::[^}]*)?\}?"
    r"|\$[A-Za-z_]\w*|%\([A-Za-z_]\w*\)[a-z]?)$"
)
_CODE_MAX_DIGITS = 3


def _secret_name(name: str) -> bool:
    words = [w.lower() for w in _WORDS.findall(name.rsplit(".", 1)[-1])]
    if not words:
        return False
    last = words[-1]
    if last in SECRET_NAME_WORDS:
        return True
    if last in ("key", "keys") and len(words) > 1 and words[-2] in _KEY_QUALIFIERS:
        return True
    return "".join(words[-2:]) in ("apikey", "accesskey", "secretkey", "privatekey")


def _entropy(value: str) -> float:
    counts = Counter(value)
    n = len(value)
    return -sum(c / n * math.log2(c / n) for c in counts.values())


def _assigned_secret(m: re.Match[str], *, config: bool = False) -> tuple[int, int] | None:
    """The span of the value if this assignment's value is a literal credential.

    In configuration files (``config``) a bare value is data, never code, so it needs only
    ``MIN_QUOTED_SECRET_CHARS`` characters and no entropy to count.
    """
    quoted = m.group("q")
    if quoted is not None:
        value, start = quoted, m.start("q")
        if len(value.strip()) < MIN_QUOTED_SECRET_CHARS or _PLACEHOLDER.match(value.strip()):
            return None
        if _MARKER_START in value:
            return None
        # Prose ("Enter your password: ") is not a credential; a random string with a
        # space in it still is.
        if " " in value.strip() and _entropy(value) < MIN_BARE_SECRET_ENTROPY + 1:
            return None
        return start, start + len(value)
    value, start = m.group("b"), m.start("b")
    if value is None or _PLACEHOLDER.match(value) or _MARKER_START in value:
        return None
    if _INTERPOLATION.match(value):
        return None
    if config:
        if len(value) < MIN_QUOTED_SECRET_CHARS or "(" in value:
            return None
        return start, start + len(value)
    if len(value) < MIN_BARE_SECRET_CHARS or _CODE_LIKE.match(value):
        return None
    if _PLAIN_NAME.match(value) and sum(ch.isdigit() for ch in value) < _CODE_MAX_DIGITS:
        return None
    if _entropy(value) < MIN_BARE_SECRET_ENTROPY:
        return None
    return start, start + len(value)


def _key_block_spans(text: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    pos = 0
    while True:
        m = _PRIVATE_KEY_BEGIN.search(text, pos)
        if m is None:
            return spans
        end = _PRIVATE_KEY_END.search(text, m.end(), m.end() + _MAX_KEY_BLOCK_CHARS)
        if end is not None:
            stop = end.end()
        else:
            # Cut off: take the rest of the BEGIN line, then base64-looking lines.
            nl = text.find("\n", m.end())
            stop = len(text) if nl < 0 else nl + 1
            while stop < len(text) and stop - m.start() < _MAX_KEY_BLOCK_CHARS:
                nl = text.find("\n", stop)
                line_end = len(text) if nl < 0 else nl + 1
                body = text[stop:line_end].strip().strip("+-\"',")
                if body and not _KEY_BODY.fullmatch(body):  # blank lines may sit inside
                    break
                stop = line_end
        spans.append((m.start(), stop))
        pos = stop


def _aws_secrets_near(text: str, key_spans: list[tuple[int, int]]) -> list[tuple[int, int, str]]:
    """40-character secret keys on the line of an AWS access key id (``id,secret`` CSVs)."""
    out: list[tuple[int, int, str]] = []
    for a, b in key_spans:
        start = text.rfind("\n", 0, a) + 1
        end = text.find("\n", b)
        stop = len(text) if end < 0 else end
        out.extend(
            (m.start(), m.end(), "aws-secret-key") for m in _AWS_SECRET.finditer(text, start, stop)
        )
    return out


def _find(text: str, *, config: bool = False) -> list[tuple[int, int, str]]:
    """Non-overlapping ``(start, end, rule)`` spans of secret values, in text order."""
    found: list[tuple[int, int, str]] = []
    if "PRIVATE KEY" in text:
        found += [(a, b, "private-key") for a, b in _key_block_spans(text)]
    maybe: set[int] = set()
    for first_chars, rules in _ANCHOR_GROUPS:
        if first_chars.search(text) is not None:
            maybe |= rules
    for i in sorted(maybe):
        name, anchors, bounded, pattern = _TOKEN_RULES[i]
        if not any(a in text for a in anchors):
            continue
        group = "v" if "v" in pattern.groupindex else 0
        for m in pattern.finditer(text):
            if bounded and m.start() > 0 and text[m.start() - 1] in _WORD_CHARS:
                continue
            if name == "url-password" and _PLACEHOLDER.match(m.group("v")):
                continue  # documentation's ``user:password@host``
            found.append((m.start(group), m.end(group), name))
    aws = [(a, b) for a, b, name in found if name == "aws-access-key"]
    if aws:
        found += _aws_secrets_near(text, aws)
    found += _assignments(text, config=config)
    # A value that already holds a marker was redacted before (``user:[REDACTED:x]@host``).
    found = [f for f in found if _MARKER_START not in text[f[0] : f[1]]]
    # Longest match first at each position; a span overlapping a kept one extends it.
    found.sort(key=lambda f: (f[0], -(f[1] - f[0])))
    out: list[tuple[int, int, str]] = []
    for a, b, name in found:
        if out and a < out[-1][1]:
            if b > out[-1][1]:
                out[-1] = (out[-1][0], b, out[-1][2])
            continue
        out.append((a, b, name))
    return out


def _hint_spans(lower: str) -> list[tuple[int, int]]:
    """Where the secret-like words occur in ``lower``: leftmost first, never overlapping.

    What ``re.finditer`` of their alternation gives (no two of the words match at one
    position), found with ``str.find``: an alternation of words with different first
    letters is tried at nearly every position of the text, and this scan runs on every
    file an index reads.
    """
    found: list[tuple[int, int]] = []
    for word in _NAME_HINTS:
        at = lower.find(word)
        while at >= 0:
            found.append((at, at + len(word)))
            at = lower.find(word, at + 1)
    found.sort()
    out: list[tuple[int, int]] = []
    end = 0
    for a, b in found:
        if a >= end:
            out.append((a, b))
            end = b
    return out


def _assignments(text: str, *, config: bool = False) -> list[tuple[int, int, str]]:
    """Values assigned to secret-like names (``DB_PASSWORD = "..."``, ``token: ...``)."""
    out: list[tuple[int, int, str]] = []
    name_end = -1
    for start, end in _hint_spans(text.lower()):
        if start < name_end:
            continue  # another word inside a name already looked at
        a, b = start, end
        while a > 0 and text[a - 1] in _NAME_CHARS and start - a < _MAX_NAME_CHARS:
            a -= 1
        while b < len(text) and text[b] in _NAME_CHARS and b - end < _MAX_NAME_CHARS:
            b += 1
        name_end = b
        if not _secret_name(text[a:b].strip(".-")):
            continue
        m = _VALUE.match(text, b)
        if m is not None:
            span = _assigned_secret(m, config=config)
            if span is not None:
                out.append((span[0], span[1], "assigned-secret"))
    return out


def redact(text: str, *, path: str | None = None) -> Redaction:
    r"""Replace every secret value in ``text`` with ``[REDACTED:<rule>]``.

    Newlines inside a replaced value are kept (after the marker), so the text keeps its
    line count and every line its number. Redacting redacted text changes nothing.

    Args:
        text: Any text (file content, a commit message, a packed prompt).
        path: The file the text comes from, if any: in configuration files
            (:func:`is_config_file`) a bare value assigned to a secret-like name is always
            taken for data (``password: correcthorse``), never for code.

    Returns:
        The redacted text and the number of values each rule replaced.

    >>> r = redact('password = "hunter2-correct-Horse!"\nok = 1\n')
    >>> r.text, r.counts
    ('password = "[REDACTED:assigned-secret]"\nok = 1\n', {'assigned-secret': 1})
    """
    config = path is not None and is_config_file(path)
    spans = _find(text, config=config)
    counts: Counter[str] = Counter()
    # A value can hide behind another: "AKIA...SG.xyz" only shows the SendGrid key's word
    # boundary once the AWS key before it is a marker. So redact until nothing changes.
    for _ in range(_MAX_PASSES):
        if not spans:
            break
        parts: list[str] = []
        pos = 0
        for a, b, name in spans:
            parts.append(text[pos:a])
            parts.append(marker(name) + "\n" * text.count("\n", a, b))
            counts[name] += 1
            pos = b
        parts.append(text[pos:])
        text = "".join(parts)
        spans = _find(text, config=config)
    return Redaction(text, dict(sorted(counts.items())))


def redacted_counts(text: str) -> dict[str, int]:
    """How many markers of each rule ``text`` carries (what a report shows)."""
    counts = Counter(m.group(1) for m in MARKER_RE.finditer(text))
    return dict(sorted(counts.items()))
