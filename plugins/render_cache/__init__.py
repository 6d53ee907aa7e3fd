"""Render once: Markdown converted once per digest, pages rendered once per their inputs.

A publish must cost what changed (issue 12). The build reads every approved item and
writes every page; this plugin keeps what those steps produced on the machine
(``RENDER_CACHE_PATH``), keyed on the bytes and settings that shaped it and sealed with
the machine's key (approval_gate's ``MachineCache``), so unchanged items are neither
converted nor rendered again. A missing or bad entry only means the work is done again.
See docs/rendering.md.
"""


def register() -> None:
    """Connect the caches to Pelican (imported here so importing the package stays cheap)."""
    from importlib import import_module

    for part in ("readers", "pages", "listings"):
        try:
            module = import_module(f"{__name__}.{part}")
        except ModuleNotFoundError as error:
            if error.name != f"{__name__}.{part}":
                raise
            continue
        module.register()


__all__ = ["register"]
