"""The facts of SOP 11/2023 that code needs: the roles in order, the content kinds.

This is the one place where they are written. The roster must list exactly ``ROLE_IDS``
in this order (its names, time standards and holders are the roster's); everything that
shows roles to people reads them from the verified roster. The content kinds give the
folders under content/, the category shown on the site (``SITE_KINDS`` is made from
them), the drafts of ``invoke new`` and the metadata each kind carries. A test checks
that every other list (theme settings, drafts, samples, tests) agrees with this one.
"""

from __future__ import annotations

from dataclasses import dataclass

#: The SOP's order of sign-off (steps 4 to 6). Rosters must list exactly these roles.
ROLE_IDS = ("web-admin", "kasubbag-tekmas", "sekretaris", "komisioner")

_NUMBERS = (
    "nol",
    "satu",
    "dua",
    "tiga",
    "empat",
    "lima",
    "enam",
    "tujuh",
    "delapan",
    "sembilan",
    "sepuluh",
)


def number_word(count: int) -> str:
    """Return ``count`` in Indonesian words ("empat"), digits above ten."""
    return _NUMBERS[count] if 0 <= count < len(_NUMBERS) else str(count)


def all_of(count: int) -> str:
    """Return "all N" as Indonesian says it of people ("keempat"; "kedua"; "ketiga")."""
    return "kesemua" if count > 10 else f"ke{number_word(count)}"


@dataclass(frozen=True)
class ContentKind:
    """One content kind: its id, folder under content/, category and kind metadata."""

    id: str
    folder: str
    category: str | None  # None: a static page (no date, no category)
    fields: tuple[tuple[str, str], ...] = ()  # (metadata key, label) the kind carries
    #: The fields an item of this kind may not leave out (the naskah checks hold it):
    #: what a reader cannot do without (an announcement's validity, a regulation's
    #: number and year). The others are offered by ``invoke new`` but may stay away.
    required: tuple[str, ...] = ()
    #: News reports (schema.org NewsArticle in the theme's JSON-LD); the others are Article.
    news: bool = False

    @property
    def dated(self) -> bool:
        """Tell whether items of this kind are dated (file name and ``Date``)."""
        return self.category is not None


#: The SOP's kinds in menu order, then the site's static pages.
KINDS: tuple[ContentKind, ...] = (
    ContentKind("berita", "berita", "Berita", news=True),
    ContentKind("artikel", "artikel", "Artikel"),
    ContentKind(
        "pengumuman",
        "pengumuman",
        "Pengumuman",
        (("berlaku", "Masa berlaku"), ("berlaku_sampai", "Turun dari situs")),
        ("berlaku",),
    ),
    ContentKind(
        "regulasi",
        "regulasi",
        "Regulasi",
        (
            ("nomor", "Nomor"),
            ("tahun", "Tahun"),
            # optional (plugins/site_theme/regulations.py shows and checks them)
            ("jenis", "Jenis peraturan"),
            ("ditetapkan", "Tanggal penetapan"),
            ("keberlakuan", "Status"),
            ("dicabut_oleh", "Dicabut oleh"),
            ("diubah_oleh", "Diubah oleh"),
            ("sumber_resmi", "Sumber resmi"),
        ),
        ("nomor", "tahun"),
    ),
    ContentKind("data", "data", "Data", (("periode", "Periode data"), ("sumber", "Sumber data"))),
    ContentKind("dokumentasi", "dokumentasi", "Dokumentasi"),
    ContentKind("bahan-sosialisasi", "bahan-sosialisasi", "Bahan Sosialisasi"),
    ContentKind("liputan-kegiatan", "liputan-kegiatan", "Liputan Kegiatan", news=True),
    ContentKind("halaman", "pages", None),
)

#: The categories of the SOP's kinds, in menu order (the theme's ``SITE_KINDS``).
CATEGORIES: tuple[str, ...] = tuple(k.category for k in KINDS if k.category)


def kind_by_id(kind_id: str) -> ContentKind | None:
    """Return the kind with this id, if any."""
    return next((k for k in KINDS if k.id == kind_id), None)


def kind_fields() -> tuple[tuple[str, str], ...]:
    """Return every kind-specific metadata field with its label, each once, in order."""
    seen: dict[str, str] = {}
    for each in KINDS:
        for key, label in each.fields:
            seen.setdefault(key, label)
    return tuple(seen.items())
