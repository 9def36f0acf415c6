"""One cache get-or-build for what a finished run shows (its numbers never change, bench/FINDINGS.md sections 4-5).

The key is a digest of every input the value is built from AND of the code that builds it (``CODE_DIGEST``: the
moments package's source, so a deploy with new chart or label code never serves yesterday's figures from Redis),
so a cached value is never stale; the cache is only a shortcut: when it is unavailable the value is built as if it
were empty.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from django.core.cache import cache
from django.utils import translation

T = TypeVar("T")
CACHE_SECONDS = 24 * 3600


def _code_digest() -> str:
    package = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        if "migrations" not in path.parts:
            digest.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes())
    for path in sorted((package.parent / "locale").rglob("*.mo")):  # the words, as much as the code
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


CODE_DIGEST = _code_digest()


def cache_get_or_build(prefix: str, inputs, build: Callable[[], T], *, timeout: int = CACHE_SECONDS) -> T:
    """The value cached under ``prefix`` + sha256 of ``inputs`` (JSON), else ``build()``, stored for next time.
    The active language is one of the inputs: figures and rows hold words and numbers written for it."""
    key = (
        prefix
        + CODE_DIGEST
        + ":"
        + (translation.get_language() or "")
        + ":"
        + hashlib.sha256(json.dumps(inputs, sort_keys=True, default=str).encode()).hexdigest()
    )
    try:
        value = cache.get(key)
    except Exception:  # noqa: BLE001 - a cache outage must not break the page
        value = None
    if value is None:
        value = build()
        with contextlib.suppress(Exception):
            cache.set(key, value, timeout=timeout)
    return value
