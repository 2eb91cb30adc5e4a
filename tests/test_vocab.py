"""The compact BM25 vocabulary answers exactly as the dict it replaces."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from context_kit.retrievers._vocab import Vocabulary

# Terms are word runs (ASCII letters, digits, underscore) but the vocabulary must not
# depend on that: any text without NUL, non-ASCII and lone surrogates included.
TERM = st.text(
    alphabet=st.characters(blacklist_characters="\0", blacklist_categories=()),
    min_size=1,
    max_size=12,
)


@settings(max_examples=200, deadline=None)
@given(
    terms=st.lists(TERM, unique=True, max_size=60),
    probes=st.lists(TERM, max_size=30),
    added=st.lists(TERM, max_size=10),
)
def test_lookups_and_additions_equal_a_dict(terms, probes, added):
    vocab = Vocabulary(terms)
    expected = {t: i for i, t in enumerate(terms)}
    assert len(vocab) == len(expected)
    for t in [*terms, *probes]:
        assert (t in vocab) == (t in expected)
        assert vocab.get(t) == expected.get(t)
        if t in expected:
            assert vocab[t] == expected[t]
        else:
            with pytest.raises(KeyError):
                vocab[t]
    np.testing.assert_array_equal(
        vocab.columns(probes), np.asarray([expected.get(t, -1) for t in probes], dtype=np.int64)
    )
    # A refit adds unseen terms in order, each once, after every fitted column.
    got = vocab.columns(added, add=True)
    for t in added:
        expected.setdefault(t, len(expected))
    np.testing.assert_array_equal(got, [expected[t] for t in added])
    assert len(vocab) == len(expected)
    assert dict(vocab.items()) == expected
    assert pickle.loads(pickle.dumps(vocab)) == vocab


def test_a_missing_term_of_a_fitted_length_is_not_found():
    vocab = Vocabulary(["parse", "token", "zz"])
    # "parsf" sorts after every 5-byte key: the search lands past the end.
    assert vocab.get("parsf") is None
    assert vocab.columns(["parsf", "aaaaa", "token"]).tolist() == [-1, -1, 1]
    assert "" not in vocab and vocab.get("") is None
    assert 3 not in vocab  # not a str: never a term


def test_equality_is_by_content():
    assert Vocabulary(["a", "bb"]) == Vocabulary(["a", "bb"])
    assert Vocabulary(["a", "bb"]) != Vocabulary(["bb", "a"])
    assert Vocabulary([]) == Vocabulary([]) and len(Vocabulary([])) == 0
