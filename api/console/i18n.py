"""Spanish and English: gettext catalogues (``locale/<lang>/LC_MESSAGES/messages.po``) and dates
in the user's locale (Babel).

The ``.po`` files are the source; they are compiled in memory when the console starts (Babel's
``write_mo``), so a fresh clone needs no build step and no compiled file can drift from its source.
Extract new strings with ``pybabel extract -F api/console/babel.cfg -o messages.pot .`` and merge
them with ``pybabel update -i messages.pot -d api/console/locale``.
"""

from __future__ import annotations

import datetime as dt
import gettext
import io
from datetime import UTC
from functools import cache, lru_cache
from pathlib import Path

from babel import Locale, negotiate_locale
from babel.dates import format_date, format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

LOCALE_DIR = Path(__file__).parent / "locale"
LANGUAGES = ("es", "en")
DEFAULT_LANGUAGE = "es"
LANGUAGE_COOKIE = "aeo_lang"


@cache
def translations(language: str) -> gettext.GNUTranslations:
    """The compiled catalogue of ``language`` (one of :data:`LANGUAGES`)."""
    if language not in LANGUAGES:
        raise ValueError(f"unsupported language {language!r}; supported: {', '.join(LANGUAGES)}")
    with (LOCALE_DIR / language / "LC_MESSAGES" / "messages.po").open("rb") as source:
        catalog = read_po(source, locale=language)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


@lru_cache(maxsize=1024)
def negotiate(cookie: str | None, accept_language: str | None) -> str:
    """The page language: the cookie's choice, else the best of ``Accept-Language``, else Spanish."""
    if cookie in LANGUAGES:
        assert cookie is not None
        return cookie
    weighted: list[tuple[float, str]] = []
    for part in (accept_language or "").split(","):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if tag and quality > 0:
            weighted.append((quality, tag.replace("_", "-")))
    ordered = [tag for _, tag in sorted(weighted, key=lambda p: -p[0])]
    chosen = negotiate_locale(ordered, list(LANGUAGES), sep="-") if ordered else None
    if chosen is None:
        chosen = next((lang for tag in ordered for lang in LANGUAGES if tag.lower().startswith(lang)), None)
    return chosen or DEFAULT_LANGUAGE


class Formatter:
    """Dates and numbers in one language (times in UTC, the chain's clock)."""

    def __init__(self, language: str) -> None:
        self.language = language
        self.locale = Locale.parse(language)

    def datetime(self, value: int | dt.datetime | None) -> str:
        """A moment: Unix seconds or an aware datetime (empty for None / 0)."""
        if value is None or value == 0:
            return ""
        moment = dt.datetime.fromtimestamp(value, UTC) if isinstance(value, int) else value
        return format_datetime(moment, "medium", tzinfo=UTC, locale=self.locale) + " UTC"

    def date(self, value: int | dt.datetime | None) -> str:
        """A day (empty for None / 0)."""
        if value is None or value == 0:
            return ""
        moment = dt.datetime.fromtimestamp(value, UTC) if isinstance(value, int) else value
        return format_date(moment.astimezone(UTC), "medium", locale=self.locale)

    def number(self, value: float) -> str:
        """A number with the locale's separators."""
        return format_decimal(value, locale=self.locale)
