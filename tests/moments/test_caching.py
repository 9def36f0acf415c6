"""The one cache get-or-build: keyed by its inputs and by the code that builds the value."""

from moments import caching


def test_new_code_never_serves_a_value_built_by_the_old(monkeypatch):
    caching.cache_get_or_build("moments:test-figure:", ["same inputs"], lambda: "drawn by the old code")

    monkeypatch.setattr(caching, "CODE_DIGEST", "after-a-deploy")
    after = caching.cache_get_or_build("moments:test-figure:", ["same inputs"], lambda: "drawn by the new code")
    again = caching.cache_get_or_build("moments:test-figure:", ["same inputs"], lambda: "built twice")

    assert after == "drawn by the new code"
    assert again == "drawn by the new code"  # and cached for the next request


def test_the_digest_follows_the_source():
    assert caching._code_digest() == caching.CODE_DIGEST and len(caching.CODE_DIGEST) == 16
