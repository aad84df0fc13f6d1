"""Cells written for a spreadsheet (CSV exports): what the person reads, never a formula."""

# A cell starting with one of these is run as a formula by Excel or LibreOffice (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    """The value as text, with a leading apostrophe when a spreadsheet would run it as a
    formula: « =HYPERLINK(…) » is shown as written, not followed."""
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text
