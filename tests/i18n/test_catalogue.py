"""The Dutch catalogue is complete and current: CI fails when a marked string has no Dutch translation (or a fuzzy
one), when ``makemessages`` would find a string that is not in the committed catalogue, and when the committed
``.mo`` file is not the compiled ``.po`` (README "Languages")."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent.parent
PO = REPO / "locale" / "nl" / "LC_MESSAGES" / "django.po"
SOURCES = ["audit", "cxapp", "journeys", "surveys", "moments", "privacy", "pipeline", "templates"]
# The same command as the README's (make messages): one place for the options, so the check sees what a person sees.
MAKEMESSAGES = ["makemessages", "-l", "nl", "--no-obsolete", "--add-location", "file"]


def _msgids(po: Path) -> set[str]:
    """Every msgid and msgid_plural of a catalogue, continuation lines joined; not the header's empty one."""
    ids, current = set(), None
    for line in po.read_text(encoding="utf-8").splitlines():
        match = re.match(r'^(msgid|msgid_plural|msgstr(?:\[\d\])?) "(.*)"$', line)
        if match:
            if current is not None:
                ids.add(current)
            current = match.group(2) if match.group(1).startswith("msgid") else None
        elif line.startswith('"') and current is not None:
            current += line[1:-1]
    if current is not None:
        ids.add(current)
    return ids - {""}


def test_every_string_has_a_dutch_translation():
    result = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", os.devnull, str(PO)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "untranslated" not in result.stderr, result.stderr
    assert "fuzzy" not in result.stderr, result.stderr


def test_makemessages_finds_no_new_string(tmp_path):
    for name in SOURCES:
        shutil.copytree(REPO / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(REPO / "locale", tmp_path / "locale")
    shutil.copy(REPO / "manage.py", tmp_path / "manage.py")
    env = {**os.environ, "PYTHONPATH": str(tmp_path), "DJANGO_SETTINGS_MODULE": "cxapp.settings.test"}
    result = subprocess.run(
        [sys.executable, "manage.py", *MAKEMESSAGES],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    fresh, committed = _msgids(tmp_path / PO.relative_to(REPO)), _msgids(PO)
    assert fresh - committed == set(), "marked but not in locale/nl/LC_MESSAGES/django.po: run `make messages`"
    assert committed - fresh == set(), "in the catalogue but no longer marked anywhere: run `make messages`"


def test_committed_mo_is_the_compiled_po(tmp_path):
    compiled = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "--check-format", "-o", str(compiled), str(PO)], check=True)
    assert compiled.read_bytes() == PO.with_suffix(".mo").read_bytes(), "run `make messages` to compile django.mo"
