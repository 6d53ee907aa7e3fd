"""One settings engine: options declared with type, default and conversion, checked once.

Every family of settings (the gate's ``APPROVAL_GATE_*``, the theme's ``SITE_*``, the
preview's ``PRATINJAU_*``, ``PUBLISH_*`` and the options of each publishing target)
declares its options as an ``OptionSet``. Reading it before anything is built gives one
behaviour everywhere: an unknown key is an error with a "did you mean" hint, a missing
required key names what to fill in, and a bad value says what was expected and what was
received, naming the settings file. A typo can therefore never switch something off.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from .errors import ConfigError
from .roster import FINGERPRINT_FORM as _FINGERPRINT


class Invalid(ValueError):
    """A converter refuses a value; its text (may be empty) is added to the message."""


def close_match(value: str, choices: Iterable[str]) -> str | None:
    """Return the choice closest to ``value`` (for "Mungkin maksud Anda ...?"), if any."""
    found = difflib.get_close_matches(value, list(choices), n=1)
    return found[0] if found else None


def did_you_mean(value: str, choices: Iterable[str], listing: str = "Pilihan") -> str:
    """Return the hint for an unknown name: the close match, or every choice."""
    choices = list(choices)
    close = close_match(value, choices)
    if close is not None:
        return f"Mungkin maksud Anda {close!r}?"
    return f"{listing}: {', '.join(repr(c) for c in choices)}."


@dataclass(frozen=True)
class Option:
    """One setting: its key, what it must be (in Indonesian), conversion and default."""

    key: str
    expected: str
    convert: Callable[[Any], Any] = lambda value: value
    default: Any = None
    required: bool = False


@dataclass(frozen=True)
class OptionSet:
    """The declared options of one settings family.

    ``prefix`` marks the family's keys among all settings (unknown keys with the prefix
    are refused); without a prefix every key of the mapping belongs to the family.
    ``label`` shows a key to people (``{key}`` is replaced), ``ignored`` keys are read
    by someone else (a target's ``type``).
    """

    options: tuple[Option, ...]
    prefix: str = ""
    label: str = "{key}"
    hint: str = "Perbaiki nilai itu lalu jalankan perintahnya lagi."
    ignored: tuple[str, ...] = ()
    noun: str = "Pengaturan"  # how an unknown key is introduced ("Pengaturan tema")
    missing_hint: str = "Tambahkan pengaturan itu."

    def shown(self, key: str) -> str:
        """Return ``key`` as written in the settings file."""
        return self.label.format(key=self.prefix + key)

    def unknown(self, values: Mapping[str, Any]) -> tuple[str, str] | None:
        """Return the first key of this family that no option declares, with its hint."""
        names = [self.prefix + option.key for option in self.options]
        for key in values:
            key = str(key)
            if key in self.ignored or (self.prefix and not key.startswith(self.prefix)):
                continue
            if key not in names:
                shown = [self.label.format(key=name) for name in names]
                close = close_match(key, names)  # keys, not labels: a label's text is shared
                return self.label.format(key=key), (  # quoted by hand: labels hold quotes
                    f"Mungkin maksud Anda '{self.label.format(key=close)}'?"
                    if close
                    else f"Pengaturan yang dikenal: {', '.join(shown)}."
                )
        return None

    def read(self, values: Mapping[str, Any], source: str) -> dict[str, Any]:
        """Return every option converted (keyed without prefix), or raise ``ConfigError``."""
        unknown = self.unknown(values)
        if unknown:
            raise ConfigError(
                f"{self.noun} tidak dikenal: '{unknown[0]}'.", path=source, hint=unknown[1]
            )
        result: dict[str, Any] = {}
        for option in self.options:
            raw = values.get(self.prefix + option.key)
            if raw is None:
                if option.required:
                    raise ConfigError(
                        f"Pengaturan '{self.shown(option.key)}' belum diisi ({option.expected}).",
                        path=source,
                        hint=self.missing_hint,
                    )
                raw = option.default
                if raw is None:
                    result[option.key] = None
                    continue
            try:
                result[option.key] = option.convert(raw)
            except Invalid as error:
                detail = f" {error}" if str(error) else ""
                raise ConfigError(
                    f"Nilai pengaturan '{self.shown(option.key)}': diharapkan "
                    f"{option.expected}, tetapi diterima {raw!r}.{detail}",
                    path=source,
                    hint=self.hint,
                ) from None
        return result


# --- Converters: each returns the typed value or raises ``Invalid``. -------------------


def text(value: Any) -> str:
    """Accept a non-empty string (stripped)."""
    if not isinstance(value, str) or not value.strip():
        raise Invalid("")
    return value.strip()


def boolean(value: Any) -> bool:
    """Accept ``True`` or ``False`` only (not 0, 1 or "yes")."""
    if not isinstance(value, bool):
        raise Invalid("")
    return value


def integer(minimum: int | None = None, maximum: int | None = None) -> Callable[[Any], int]:
    """Accept a whole number within the bounds (never a bool)."""

    def convert(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise Invalid("")
        if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
            raise Invalid("")
        return value

    return convert


def path(value: Any) -> Path:
    """Accept a non-empty path, returned absolute."""
    if not isinstance(value, (str, Path)) or not str(value).strip():
        raise Invalid("")
    return Path(value).resolve()


def choice(*choices: str) -> Callable[[Any], str]:
    """Accept one of ``choices``; a near miss is answered with the close match."""

    def convert(value: Any) -> str:
        if not isinstance(value, str) or value not in choices:
            close = close_match(str(value), choices)
            raise Invalid(f"Mungkin maksud Anda {close!r}?" if close else "")
        return value

    return convert


def fingerprint(value: Any) -> str:
    """Accept an OpenSSH ``SHA256:...`` key fingerprint."""
    if not isinstance(value, str) or not _FINGERPRINT.match(value):
        raise Invalid("")
    return value


def aware_time(value: Any) -> datetime:
    """Accept an ISO 8601 time with its zone (``2026-11-24T10:00:00+07:00``)."""
    try:
        parsed = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    except ValueError:
        raise Invalid("") from None
    if parsed.tzinfo is None:
        raise Invalid("")
    return parsed


def names(value: Any) -> tuple[str, ...]:
    """Accept a list of non-empty strings."""
    if not isinstance(value, (list, tuple)) or not all(
        isinstance(v, str) and v.strip() for v in value
    ):
        raise Invalid("")
    return tuple(v.strip() for v in value)


def optional(convert: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """Accept ``None`` or ``""`` as "not set", anything else through ``convert``."""

    def optional_value(value: Any) -> Any:
        return None if value in (None, "") else convert(value)

    return optional_value


def text_of(*, pattern: str | None = None, prefixes: tuple[str, ...] = ()) -> Callable[[Any], str]:
    """Accept a non-empty string matching ``pattern`` or starting with one of ``prefixes``."""
    compiled = re.compile(pattern) if pattern else None

    def convert(value: Any) -> str:
        found = text(value)
        if compiled is not None and not compiled.fullmatch(found):
            raise Invalid("")
        if prefixes and not found.startswith(prefixes):
            raise Invalid("")
        return found

    return convert
