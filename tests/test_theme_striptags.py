"""The theme's ``striptags``: Jinja's own filter, each text stripped once.

Summaries and titles are stripped on every listing that shows them (issue 12); the
theme keeps each answer per text. What a reader sees must not change: every value gives
exactly what Jinja's filter gives, and the theme's templates get the kept one.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from jinja2 import Environment
from jinja2.filters import do_striptags
from markupsafe import Markup

from site_theme import formats, theme

VALUES: list[Any] = [
    "",
    "Rapat <b>pleno</b>   terbuka\n di  aula",
    "a &lt; b &amp; c &quot;kutip&quot; &#39;x&#39;",
    "<!-- komentar --><p>Isi</p><script>x</script>",
    Markup("<em>Pengumuman</em> &amp; Berita"),
    Markup("a &lt; b"),
    "a &lt; b",
    None,
    42,
    SimpleNamespace(__html__=lambda: "<i>miring</i>"),
]


def test_each_value_strips_as_jinjas_filter_does_also_when_kept() -> None:
    formats._stripped.clear()
    for value in VALUES:
        assert formats.striptags(value) == do_striptags(value), value
        assert formats.striptags(value) == do_striptags(value), value  # the kept answer
    assert (str, "a &lt; b") in formats._stripped and (Markup, "a &lt; b") in formats._stripped
    assert not any(type(key[1]) not in (str, Markup) for key in formats._stripped)


def test_the_memo_starts_again_when_full(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(formats, "STRIPPED_KEPT", 3)
    formats._stripped.clear()
    for n in range(10):
        assert formats.striptags(f"<b>{n}</b>") == str(n)
        assert len(formats._stripped) <= 3


def test_the_theme_gives_templates_the_kept_filter(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(theme, "make_helpers", lambda settings: {})  # a started theme's
    generator = SimpleNamespace(env=Environment(autoescape=True), settings={})
    theme.on_generator_init(generator)
    assert generator.env.filters["striptags"] is formats.striptags
    page = generator.env.from_string("{{ s|striptags }}").render(s="<b>Rapat</b>  &amp; pleno")
    assert page == "Rapat &amp; pleno"  # decoded, then escaped again on output
