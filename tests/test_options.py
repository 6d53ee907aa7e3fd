"""The one settings engine (``api.options``), on its own: messages, defaults, converters.

Every settings family (gate, theme, preview, publishing, each target) is an ``OptionSet``,
so these few cases pin the behaviour they all share: an unknown key is refused with a
close match, a missing required key says what to fill in, a wrong value says what was
expected and what came, and each converter accepts and refuses exactly what it says.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from approval_gate.api import WIB, ConfigError, ExitCode, options

o = options
SOURCE = "ujicfg.py"
FAMILY = o.OptionSet(
    (
        o.Option("PATH", "folder isi", o.path, required=True),
        o.Option("DAYS", "jumlah hari (1-366)", o.integer(1, 366), default=30),
        o.Option("MODE", "'cepat' atau 'lambat'", o.choice("cepat", "lambat"), default="cepat"),
        o.Option("NOTE", "teks catatan", o.text),
    ),
    prefix="UJI_",
)


def refusal(values: dict[str, Any], family: Any = FAMILY) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        family.read(values, SOURCE)
    error = caught.value
    assert (error.path, error.exit_code) == (SOURCE, ExitCode.CONFIG)
    return error


def test_values_are_converted_and_defaults_filled() -> None:
    values = FAMILY.read({"UJI_PATH": "isi", "PATH": "bukan milik keluarga ini"}, SOURCE)
    assert values == {"PATH": Path("isi").resolve(), "DAYS": 30, "MODE": "cepat", "NOTE": None}


def test_an_unknown_key_is_refused_with_the_close_match() -> None:
    error = refusal({"UJI_PATH": "isi", "UJI_DAYZ": 3})
    assert (error.message, error.hint) == (
        "Pengaturan tidak dikenal: 'UJI_DAYZ'.",
        "Mungkin maksud Anda 'UJI_DAYS'?",
    )
    assert error.render() == (
        "ujicfg.py: Pengaturan tidak dikenal: 'UJI_DAYZ'. Mungkin maksud Anda 'UJI_DAYS'?"
    )


def test_an_unknown_key_without_a_close_match_lists_the_known_keys() -> None:
    error = refusal({"UJI_PATH": "isi", "UJI_WARNA_LATAR": "merah"})
    assert error.hint == "Pengaturan yang dikenal: UJI_PATH, UJI_DAYS, UJI_MODE, UJI_NOTE."


def test_a_missing_required_key_says_what_to_fill_in() -> None:
    error = refusal({})
    assert (error.message, error.hint) == (
        "Pengaturan 'UJI_PATH' belum diisi (folder isi).",
        "Tambahkan pengaturan itu.",
    )


@pytest.mark.parametrize(
    ("key", "raw", "detail"),
    [
        ("DAYS", "30", ""),
        ("DAYS", 0, ""),
        ("DAYS", True, ""),
        ("MODE", "cepet", " Mungkin maksud Anda 'cepat'?"),
        ("NOTE", "  ", ""),
    ],
    ids=[
        "integer-as-text",
        "integer-below-minimum",
        "bool-is-not-integer",
        "choice-close-match",
        "blank-text",
    ],
)
def test_a_wrong_value_says_what_was_expected_and_what_came(
    key: str, raw: Any, detail: str
) -> None:
    expected = next(option.expected for option in FAMILY.options if option.key == key)
    error = refusal({"UJI_PATH": "isi", f"UJI_{key}": raw})
    assert (error.message, error.hint) == (
        f"Nilai pengaturan 'UJI_{key}': diharapkan {expected}, tetapi diterima {raw!r}.{detail}",
        "Perbaiki nilai itu lalu jalankan perintahnya lagi.",
    )


def test_a_converter_of_ones_own_adds_its_detail() -> None:
    def even(value: Any) -> int:
        if not isinstance(value, int) or value % 2:
            raise o.Invalid("Pakai bilangan genap.")
        return value

    family = o.OptionSet((o.Option("JUMLAH", "bilangan genap", even),))
    assert family.read({"JUMLAH": 4}, SOURCE) == {"JUMLAH": 4}
    assert refusal({"JUMLAH": 3}, family).message == (
        "Nilai pengaturan 'JUMLAH': diharapkan bilangan genap, tetapi diterima 3. "
        "Pakai bilangan genap."
    )


TARGET = o.OptionSet(
    (o.Option("folder", "folder tujuan", o.text, required=True),),
    label="TARGET.{key}",
    ignored=("type",),
    noun="Opsi target",
    hint="Perbaiki opsi target itu.",
    missing_hint="Isi opsi target itu.",
)


def test_noun_label_and_hints_are_the_familys_own() -> None:
    assert TARGET.read({"type": "lokal", "folder": "situs"}, SOURCE) == {"folder": "situs"}
    unknown = refusal({"folder": "situs", "foldr": "x"}, TARGET)
    assert (unknown.message, unknown.hint) == (
        "Opsi target tidak dikenal: 'TARGET.foldr'.",
        "Mungkin maksud Anda 'TARGET.folder'?",
    )
    missing = refusal({"type": "lokal"}, TARGET)
    assert (missing.message, missing.hint) == (
        "Pengaturan 'TARGET.folder' belum diisi (folder tujuan).",
        "Isi opsi target itu.",
    )
    wrong = refusal({"folder": 3}, TARGET)
    assert (wrong.message, wrong.hint) == (
        "Nilai pengaturan 'TARGET.folder': diharapkan folder tujuan, tetapi diterima 3.",
        "Perbaiki opsi target itu.",
    )


def test_did_you_mean_gives_the_close_match_or_every_choice() -> None:
    assert o.did_you_mean("berta", ["berita", "artikel"]) == "Mungkin maksud Anda 'berita'?"
    assert o.did_you_mean("xyz", ["berita", "artikel"], "Jenis") == "Jenis: 'berita', 'artikel'."


# --- the converters -----------------------------------------------------------------

FINGERPRINT = "SHA256:" + "A" * 43
AWARE = datetime(2026, 11, 24, 10, 0, tzinfo=WIB)
ACCEPTS: list[tuple[str, Callable[[Any], Any], Any, Any]] = [
    ("text-stripped", o.text, "  isi  ", "isi"),
    ("boolean-true", o.boolean, True, True),
    ("boolean-false", o.boolean, False, False),
    ("integer-minimum", o.integer(1, 366), 1, 1),
    ("integer-maximum", o.integer(1, 366), 366, 366),
    ("integer-unbounded", o.integer(), -5, -5),
    ("path-resolved", o.path, "isi", Path("isi").resolve()),
    ("choice", o.choice("cepat", "lambat"), "lambat", "lambat"),
    ("fingerprint", o.fingerprint, FINGERPRINT, FINGERPRINT),
    ("aware-time-text", o.aware_time, "2026-11-24T10:00:00+07:00", AWARE),
    ("aware-time-datetime", o.aware_time, AWARE, AWARE),
    ("names-list", o.names, ["a", " b "], ("a", "b")),
    ("names-tuple", o.names, ("a",), ("a",)),
    ("optional-none", o.optional(o.text), None, None),
    ("optional-empty", o.optional(o.text), "", None),
    ("optional-value", o.optional(o.text), " x ", "x"),
    ("text-of-pattern", o.text_of(pattern=r"[a-z]+"), "abc", "abc"),
    ("text-of-prefix", o.text_of(prefixes=("s3://",)), "s3://ember", "s3://ember"),
]
REFUSES: list[tuple[str, Callable[[Any], Any], Any]] = [
    ("text-empty", o.text, ""),
    ("text-blank", o.text, "   "),
    ("text-number", o.text, 3),
    ("boolean-zero", o.boolean, 0),
    ("boolean-one", o.boolean, 1),
    ("boolean-yes", o.boolean, "yes"),
    ("boolean-text", o.boolean, "True"),
    ("integer-below", o.integer(1, 366), 0),
    ("integer-above", o.integer(1, 366), 367),
    ("integer-bool", o.integer(), True),
    ("integer-text", o.integer(), "5"),
    ("integer-float", o.integer(), 5.0),
    ("path-empty", o.path, ""),
    ("path-blank", o.path, "  "),
    ("path-number", o.path, 3),
    ("choice-other", o.choice("cepat", "lambat"), "sedang"),
    ("choice-number", o.choice("cepat", "lambat"), 3),
    ("fingerprint-short", o.fingerprint, "SHA256:AAAA"),
    ("fingerprint-md5", o.fingerprint, "MD5:" + "A" * 43),
    ("aware-time-naive", o.aware_time, "2026-11-24T10:00:00"),
    ("aware-time-naive-datetime", o.aware_time, datetime(2026, 11, 24, 10, 0)),
    ("aware-time-words", o.aware_time, "besok"),
    ("names-text", o.names, "a"),
    ("names-blank", o.names, ["a", " "]),
    ("names-number", o.names, ["a", 3]),
    ("optional-blank", o.optional(o.text), "  "),
    ("text-of-pattern", o.text_of(pattern=r"[a-z]+"), "ABC"),
    ("text-of-prefix", o.text_of(prefixes=("s3://",)), "http://ember"),
]


@pytest.mark.parametrize(
    ("convert", "raw", "value"), [case[1:] for case in ACCEPTS], ids=[case[0] for case in ACCEPTS]
)
def test_each_converter_accepts_its_kind_of_value(
    convert: Callable[[Any], Any], raw: Any, value: Any
) -> None:
    assert convert(raw) == value


@pytest.mark.parametrize(
    ("convert", "raw"), [case[1:] for case in REFUSES], ids=[case[0] for case in REFUSES]
)
def test_each_converter_refuses_anything_else(convert: Callable[[Any], Any], raw: Any) -> None:
    with pytest.raises(o.Invalid):
        convert(raw)


def test_choice_names_the_close_match() -> None:
    with pytest.raises(o.Invalid, match=r"^Mungkin maksud Anda 'cepat'\?$"):
        o.choice("cepat", "lambat")("cepet")
