"""The sitemap's ``<lastmod>`` dates: the quick formatting gives pelican-sitemap's own text."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
from pelican.plugins.sitemap import sitemap
from pelican.utils import SafeDatetime

import stable_sitemap


def test_lastmod_dates_are_formatted_as_pelican_sitemap_formats_them() -> None:
    stable_sitemap.register()
    stable_sitemap.register()  # registered again (a second build in one process): one wrapper
    quick = sitemap.format_date
    own = quick.own  # type: ignore[attr-defined]
    assert quick is not own and not hasattr(own, "own")
    zones = [
        None,
        ZoneInfo("Asia/Jakarta"),
        ZoneInfo("Asia/Kathmandu"),  # +05:45
        datetime.UTC,
        datetime.timezone(datetime.timedelta(hours=-3, minutes=-30)),
        ZoneInfo("America/St_Johns"),  # summer and winter offsets
    ]
    moments = [
        (2026, 12, 4, 7, 5, 9, 123456),
        (2024, 2, 29, 23, 59, 59, 0),
        (2026, 7, 1, 0, 0, 0, 0),
        (999, 1, 2, 3, 4, 5, 0),
        (1, 1, 1, 0, 0, 0, 0),
        (9999, 12, 31, 23, 59, 59, 999999),
    ]
    for kind in (SafeDatetime, datetime.datetime):
        for zone in zones:
            for moment in moments:
                date = kind(*moment, tzinfo=zone)
                assert quick(date) == own(date), (kind, zone, moment)


def test_a_value_that_is_not_a_datetime_gets_the_plugins_own_answer() -> None:
    stable_sitemap.register()
    own = sitemap.format_date.own  # type: ignore[attr-defined]
    with pytest.raises(AttributeError) as quick_error:
        sitemap.format_date(datetime.date(2026, 12, 4))
    with pytest.raises(AttributeError) as own_error:
        own(datetime.date(2026, 12, 4))
    assert str(quick_error.value) == str(own_error.value)
