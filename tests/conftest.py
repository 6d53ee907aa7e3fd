"""Shared fixtures: real keys (made once per run), a fresh site per test, the browser."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import publishing.search
from publishing import search_parts
from sitekit import Keys, Site, make_keys


@pytest.fixture(scope="session")
def keys(tmp_path_factory: pytest.TempPathFactory) -> Keys:
    """Real ed25519 keys for the anchor, the officials and an outsider."""
    return make_keys(tmp_path_factory.mktemp("keys"))


@pytest.fixture
def site(tmp_path, keys: Keys) -> Site:
    """An empty project with a signed roster, ready for content and sign-offs."""
    return Site(tmp_path / "site", keys)


@pytest.fixture
def small_parts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Search index parts of one page each on average, so a few items make several."""
    monkeypatch.setattr(search_parts, "PAGES_PER_PART", 1)


@pytest.fixture
def pagefind_runs(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """The pages of every Pagefind run from now on (the build's and any run ahead)."""
    runs: list[list[str]] = []
    real = publishing.search.run_pagefind

    def counted(output: Path, pages: list[str], *args: Any) -> dict[str, bytes]:
        runs.append(pages)
        return real(output, pages, *args)

    monkeypatch.setattr(publishing.search, "run_pagefind", counted)
    return runs


@pytest.fixture(scope="session")
def theme_sample(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """The shipped sample site, built once per run with a pinned clock (theme tests)."""
    from themekit import build_sample

    return build_sample(tmp_path_factory.mktemp("tema"))


@pytest.fixture(scope="module")
def base(theme_sample) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """The sample site served on a free localhost port (a module may serve its own)."""
    from themekit import serve

    with serve(theme_sample.output) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's chromium through Playwright, one per test module (never a downloaded one).

    Per module, not per session: a module that drives Playwright itself (``with
    sync_playwright()``) cannot start while another sync Playwright is running.
    """
    from playwright.sync_api import sync_playwright

    from themekit import CHROMIUM, CHROMIUM_ARGS

    assert Path(CHROMIUM).is_file(), "chromium tidak terpasang: jalankan .ci/run"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()
