"""Shared fixtures: real keys (made once per run) and a fresh site per test."""

from __future__ import annotations

import pytest

from sitekit import Keys, Site, make_keys


@pytest.fixture(scope="session")
def keys(tmp_path_factory: pytest.TempPathFactory) -> Keys:
    """Real ed25519 keys for the anchor, the officials and an outsider."""
    return make_keys(tmp_path_factory.mktemp("keys"))


@pytest.fixture
def site(tmp_path, keys: Keys) -> Site:
    """An empty project with a signed roster, ready for content and sign-offs."""
    return Site(tmp_path / "site", keys)


@pytest.fixture(scope="session")
def theme_sample(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """The shipped sample site, built once per run with a pinned clock (theme tests)."""
    from themekit import build_sample

    return build_sample(tmp_path_factory.mktemp("tema"))
