"""The public site's theme helpers: identity settings, Indonesian formats, provenance."""


def register() -> None:
    """Connect the theme to Pelican (imported here so importing the package stays cheap)."""
    from .theme import register as connect

    connect()


__all__ = ["register"]
