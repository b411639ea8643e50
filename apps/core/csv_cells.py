"""Cells of the CSV files Fieldnotes writes (contact exports, the caseload)."""

# Spreadsheets run a cell starting with one of these as a formula.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell_safe(value) -> str:
    """The value as a cell a spreadsheet shows as text: one that would start a
    formula gets a leading apostrophe (a name like "=HYPERLINK(...)" stays a name)."""
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_TRIGGERS) else text
