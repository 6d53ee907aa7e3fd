"""Bare addresses become links: the quick check never hides an address from the pattern.

``split`` returns text that ``MAYBE`` finds nothing in without searching it with
``ADDRESS`` (issue 12: a first publish converts every item's Markdown). These tests
hold the two ways to the same answer on text made to be hard: dots, slashes, colons,
upper case, digits and the non-ASCII letters ``IGNORECASE`` folds onto ASCII ones.
"""

from __future__ import annotations

import random
import re

import pytest

from site_theme import linkify

TOKENS = (
    "kpu", "go", "id", "ID", "Id", "co", "com", "desa", "cekdptonline", "KPU", "rembang",
    ".", "..", "/", "://", "https", "HTTP", "http", ":", " ", "\n", "-", "@", "(", ")",
    ",", "?", "33", ".975", "x.pdf", "ı", "İ", "K", "ſ", "é", "\x02", "<", '"',
    "kpu.go.id", " jdih.kpu.go.id/", "https://kpu.go.id/a", "situs.COM", "x.ıd",
)  # fmt: skip


def _whole(text: str, monkeypatch: pytest.MonkeyPatch) -> list[str | tuple[str, str]]:
    """``split`` as it was before the quick check: every text searched with ``ADDRESS``."""
    with monkeypatch.context() as patch:
        patch.setattr(linkify, "MAYBE", re.compile(""))  # finds something in any text
        return linkify.split(text)


def test_the_quick_check_changes_no_split(monkeypatch: pytest.MonkeyPatch) -> None:
    chance = random.Random(12)
    texts = ["", "Rapat pleno. Dia hadir.", "33.975 suara", "cek cekdptonline.kpu.go.id."]
    texts += ["".join(chance.choices(TOKENS, k=chance.randint(1, 14))) for _ in range(20000)]
    linked = skipped = 0
    for text in texts:
        assert linkify.split(text) == _whole(text, monkeypatch), repr(text)
        linked += any(isinstance(part, tuple) for part in linkify.split(text))
        skipped += linkify.MAYBE.search(text) is None
    assert linked > 1000 and skipped > 1000  # both ways really taken


def test_prose_without_an_address_comes_back_whole() -> None:
    text = "Rapat pleno terbuka di aula KPU. Hadir 33.975 pemilih (desa), pukul 09.00."
    assert linkify.split(text) == [text]
    assert linkify.split("") == []
    assert linkify.split("Buka KPU.GO.ID sekarang") == [
        "Buka ",
        ("https://KPU.GO.ID", "KPU.GO.ID"),
        " sekarang",
    ]
