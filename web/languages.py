"""The languages Conduit speaks, and how a message is marked for the catalogs.

What each reader is shown in is decided per request (web.http.i18n); this is only what
there is to choose from, so the domain can name languages and mark its messages
without depending on requests.
"""

from dataclasses import dataclass

DEFAULT = "en"


@dataclass(frozen=True)
class Language:
    code: str
    name: str  # in the language itself, as the picker offers it
    direction: str = "ltr"


LANGUAGES = {
    language.code: language
    for language in (
        Language("en", "English"),
        Language("fr", "Français"),
        Language("de", "Deutsch"),
        Language("es", "Español"),
        Language("ar", "العربية", "rtl"),
    )
}


def N_(message: str) -> str:
    """Mark a message for the catalogs where it is defined; it is translated where it is
    shown (the same text also goes, untranslated, into API errors)."""
    return message
