"""The fast commit redaction (two scans per commit) hides everything the per-hunk scan does."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from context_kit.secrets import MARKER_RE, redact
from context_kit.sources._commit_secrets import (
    redacted_rendering,
    scrub_commit,
    withhold_secret_files,
)
from context_kit.sources._commit_text import choose_hunks, commit_text
from context_kit.sources._gitlog import Commit, FileChange, Hunk

# Values each rule family recognises in a code file, and one only a configuration file's
# rule takes for a secret (a bare value assigned to a secret-like name).
CODE_SECRETS = [
    "ghp_PlantedGitHubToken0123456789abcdefABCD",
    "AKIAZ4PLANTED7XYZ123",
    'db_password = "Tr0ub4dor&3-planted"',
    "sk_live_PlantedStripe0123456789abcd",
]
CONFIG_SECRET = "api_token: plantedbarevalue42"
KEY_BLOCK = [
    "-----BEGIN RSA PRIVATE KEY-----",
    "MIIEowIBAAKCAQEAplantedRSAkeyBODYline1xyzABCDEFGHIJKLMNOPQRSTUV",
    "-----END RSA PRIVATE KEY-----",
]
PLAIN = ["x = 1", "def f(a, b):", "    return a + b", "# a comment", ""]

line = st.one_of(st.sampled_from(PLAIN), st.sampled_from([*CODE_SECRETS, CONFIG_SECRET]))
body = st.lists(st.tuples(st.sampled_from("+- "), line), min_size=1, max_size=12)
paths = st.sampled_from(["src/app.py", "deploy/values.yaml", "README.md", ".env", "tests/t.py"])


@st.composite
def commits(draw: st.DrawFn) -> Commit:
    files = []
    for path in draw(st.lists(paths, min_size=1, max_size=4, unique=True)):
        hunks = []
        for k in range(draw(st.integers(1, 3))):
            rows = draw(body)
            if draw(st.booleans()):  # a key block cut across two hunks, or whole in one
                rows += [("+", ln) for ln in KEY_BLOCK[: draw(st.integers(1, 3))]]
            text = "".join(f"{p}{ln}\n" for p, ln in rows)
            header = f"@@ -{k * 50 + 1},3 +{k * 50 + 1},3 @@ {draw(line)}"
            start = k * 50 + 1
            hunks.append(Hunk(start, 3, start, 3, header, text, ((start, 1, start, 1),)))
        files.append(FileChange("M", path, path, 1, 1, False, tuple(hunks)))
    message = "Subject line\n\n" + draw(line)
    return Commit("a" * 40, ("b" * 40,), "Ann", "ann@example.com", 0, 0, message, tuple(files))


@given(commits(), st.sampled_from([40, 200, 4000]))
def test_fast_rendering_hides_every_line_the_per_hunk_scan_hides(c, cap):
    message, fast, _ = redacted_rendering(c, max_diff_chars=cap)
    # The reference: every hunk scanned on its own, then the same hunks rendered (the fast
    # path chooses hunks on sizes before redaction, so the reference is given that choice)
    # and the rendering scanned once more, as the reader did before.
    keep = choose_hunks(withhold_secret_files(c).files, cap)
    slow_text, _ = commit_text(scrub_commit(c), max_diff_chars=cap, keep=keep)
    slow = redact(slow_text).text
    # (A redacted key block ending a hunk ends in blank lines, which the rendering strips
    # when they end the diff: compare without trailing blank lines.)
    fast_lines, slow_lines = fast.rstrip("\n").split("\n"), slow.rstrip("\n").split("\n")
    assert len(fast_lines) == len(slow_lines)
    marked = False
    for f, s in zip(fast_lines, slow_lines, strict=True):
        # Same line, or the fast scan redacted more: a key block whose BEGIN is in one hunk
        # and END in a later one is one span there (a marker, then its lines left blank).
        assert f == s or MARKER_RE.search(f) or (marked and f == ""), (f, s)
        marked = marked or bool(MARKER_RE.search(f))
    assert message == scrub_commit(c).message
    for value in ("ghp_Planted", "AKIAZ4PLANTED", "Tr0ub4dor", "sk_live_Planted", "plantedRSA"):
        assert value not in fast


def test_config_files_treat_bare_values_as_secrets_in_the_fast_path():
    hunk = Hunk(1, 1, 1, 1, "@@ -1 +1 @@", f"+{CONFIG_SECRET}\n", ((0, 0, 1, 1),))
    files = (
        FileChange("M", "deploy/values.yaml", "deploy/values.yaml", 1, 0, False, (hunk,)),
        FileChange("M", "src/app.py", "src/app.py", 1, 0, False, (hunk,)),
    )
    c = Commit("a" * 40, (), "Ann", "ann@example.com", 0, 0, "Deploy", files)
    _, text, _ = redacted_rendering(c, max_diff_chars=4000)
    yaml_part, _, py_part = text.partition("+++ b/src/app.py")
    # Bare values are data in configuration, code elsewhere (see secrets.is_config_file).
    assert "plantedbarevalue42" not in yaml_part
    assert "plantedbarevalue42" in py_part
