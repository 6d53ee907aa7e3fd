"""HTML to PDF with whatever converter the machine has: Chromium, wkhtmltopdf, LibreOffice.

No PDF library is bundled: the sheet's HTML already has an A4 print style, and each of
these programs prints it faithfully. They are tried in that order (Chromium honours
``@page`` best); without any of them the task says so and the HTML stays the result.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from ..errors import PdfFailed

CANDIDATES = (
    ("chromium", ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")),
    ("wkhtmltopdf", ("wkhtmltopdf",)),
    ("libreoffice", ("soffice", "libreoffice")),
)
TIMEOUT = 180


@dataclass(frozen=True)
class Converter:
    """An installed HTML-to-PDF program."""

    name: str
    program: str


def find_converter(env: Mapping[str, str]) -> Converter | None:
    """Return the first converter found on ``PATH``, or None."""
    for name, programs in CANDIDATES:
        for program in programs:
            found = shutil.which(program, path=env.get("PATH"))
            if found:
                return Converter(name, found)
    return None


def _command(converter: Converter, source: Path, target: Path, scratch: Path) -> list[str]:
    if converter.name == "chromium":
        command = [
            converter.program,
            "--headless",
            "--disable-gpu",
            "--no-first-run",
            f"--user-data-dir={scratch}",
            "--no-pdf-header-footer",
            f"--print-to-pdf={target}",
            source.resolve().as_uri(),
        ]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            command.insert(1, "--no-sandbox")  # Chromium refuses to run as root otherwise
        return command
    if converter.name == "wkhtmltopdf":
        return [
            converter.program,
            "--quiet",
            "--page-size",
            "A4",
            "--encoding",
            "utf-8",
            str(source),
            str(target),
        ]
    return [
        converter.program,
        f"-env:UserInstallation={scratch.as_uri()}",
        "--headless",
        "--convert-to",
        "pdf",
        "--outdir",
        str(scratch / "out"),
        str(source),
    ]


def convert(converter: Converter, source: Path, target: Path) -> Path:
    """Print ``source`` (HTML) to ``target`` (PDF) with ``converter``; raise if it fails."""
    with tempfile.TemporaryDirectory(prefix="kpu-pdf-") as scratch_name:
        scratch = Path(scratch_name)
        command = _command(converter, source, target, scratch)
        target.unlink(missing_ok=True)  # only this run's PDF may pass the check below
        try:
            done = subprocess.run(
                command,
                capture_output=True,
                text=True,
                check=False,
                timeout=TIMEOUT,
                stdin=subprocess.DEVNULL,
            )
        except subprocess.TimeoutExpired:
            raise PdfFailed(
                f"{converter.name} tidak selesai dalam {TIMEOUT} detik.",
                path=str(source),
                hint="Cetak HTML-nya dari peramban.",
            ) from None
        if converter.name == "libreoffice":
            made = scratch / "out" / f"{source.stem}.pdf"
            if made.is_file():
                shutil.move(str(made), target)
    if done.returncode != 0 or not target.is_file() or target.read_bytes()[:5] != b"%PDF-":
        detail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["tanpa pesan"]
        raise PdfFailed(
            f"{converter.name} gagal membuat PDF ({detail[0]}).",
            path=str(source),
            hint="Berkas HTML tetap dapat dicetak dari peramban (Ctrl+P, A4).",
        )
    return target
