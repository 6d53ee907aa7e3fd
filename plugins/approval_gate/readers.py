"""Readers that could pull files into a page are refused before the build starts.

An approval covers an item's source and the files its digest lists, nothing else. A reader
that inserts another file's bytes while rendering (reStructuredText's ``include``,
``raw :file:`` and ``csv-table :file:``; Markdown extensions that read files) would
publish bytes nobody approved: another item's unapproved source, ``/etc/passwd``. So the
gate refuses to start, naming the settings file and key, when such a reader is on.

The Markdown list is explicit and small: extensions known to read local files. An
extension not listed here is not trusted by omission; add it when one is found.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .errors import ConfigError

#: docutils settings that insert files; both must be set to False for .rst to be read.
DOCUTILS_KEYS = ("file_insertion_enabled", "raw_enabled")
#: Markdown extensions (module names) that read files and put them into the page:
#: markdown-include (``{!file!}``), mdx_include (``{! file !}``), PyMdown Snippets
#: (``--8<-- "file"``) and PyMdown B64 (inlines local images as data URIs).
FILE_READING_EXTENSIONS = ("markdown_include", "mdx_include", "pymdownx.snippets", "pymdownx.b64")
_RST_HINT = (
    "Tetapkan DOCUTILS_SETTINGS = {'file_insertion_enabled': False, 'raw_enabled': False} "
    "(seperti di pelicanconf.py), atau matikan pembaca .rst dengan READERS = {'rst': None}."
)


def _module_of(extension: Any) -> str:
    """Return the module name of a Markdown extension given by name or as an instance."""
    if isinstance(extension, str):
        return extension.split(":", 1)[0].strip()
    return type(extension).__module__


def _reads_files(module: str) -> bool:
    return any(module == name or module.startswith(f"{name}.") for name in FILE_READING_EXTENSIONS)


def check_readers(settings: Mapping[str, Any], source: str) -> None:
    """Raise ``ConfigError`` when a content reader can insert files into pages."""
    readers = settings.get("READERS") or {}
    if "rst" not in readers or readers["rst"] is not None:
        docutils = settings.get("DOCUTILS_SETTINGS") or {}
        for key in DOCUTILS_KEYS:
            if docutils.get(key, True) is not False:
                raise ConfigError(
                    f"Pengaturan 'DOCUTILS_SETTINGS': naskah reStructuredText dibaca dengan "
                    f"'{key}' menyala; direktif include, raw dan csv-table dapat menyisipkan "
                    "isi berkas lain (yang tidak disetujui) ke halaman.",
                    path=source,
                    hint=_RST_HINT,
                )
    markdown = settings.get("MARKDOWN") or {}
    named = [*markdown.get("extensions", ()), *markdown.get("extension_configs", {})]
    for extension in named:
        module = _module_of(extension)
        if _reads_files(module):
            raise ConfigError(
                f"Pengaturan 'MARKDOWN': ekstensi {module!r} membaca berkas lain dan dapat "
                "menyisipkan isinya ke halaman, di luar persetujuan.",
                path=source,
                hint="Hapus ekstensi itu dari MARKDOWN.",
            )
