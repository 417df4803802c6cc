"""Names given as a plain string or as an object keyed by language code."""

from django.utils import translation

FALLBACK_ORDER = ("en", "zh-hans")


def localized(value: object, language: str | None = None) -> str:
    """The text of `value` in `language` (default: the active one), falling back sensibly."""
    if isinstance(value, str):
        return value
    if not isinstance(value, dict) or not value:
        return ""
    language = (language or translation.get_language() or "en").lower()
    if language in value:
        return str(value[language])
    if language.startswith("zh") and "zh-hans" in value:
        return str(value["zh-hans"])
    for code in FALLBACK_ORDER:
        if code in value:
            return str(value[code])
    return str(next(iter(value.values())))
