"""Cells of the CSV files Fieldnotes writes (contact exports, the caseload) and
reads (the contact and people imports)."""

import csv
import io
from collections.abc import Iterable

from django.http import StreamingHttpResponse
from django.utils.translation import gettext as _

# Spreadsheets run a cell starting with one of these as a formula.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell_safe(value) -> str:
    """The value as a cell a spreadsheet shows as text: one that would start a
    formula gets a leading apostrophe (a name like "=HYPERLINK(...)" stays a name)."""
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_TRIGGERS) else text


class CsvUnreadable(ValueError):
    """Why an uploaded CSV cannot be read, in words for the person who sent it."""


def csv_records(text: str, *, delimiter: str = ",") -> list[list[str]]:
    """Every record of the text. A cell longer than the csv module reads (131,072
    characters) is named as such: it is a cell pasted by mistake, not a broken
    file."""
    try:
        return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            raise CsvUnreadable(
                _(
                    "A cell of the file holds more than %(limit)s characters; check "
                    "the file and upload it again."
                )
                % {"limit": f"{csv.field_size_limit():,}"}
            ) from exc
        raise CsvUnreadable(_("The file is not a valid CSV file.")) from exc


class _Echo:
    """A file whose write returns what it was given: csv.writer then yields lines."""

    def write(self, value):
        return value


def csv_streaming_response(rows: Iterable[list], *, filename: str) -> StreamingHttpResponse:
    """A CSV download written as its rows are produced, so an export of thousands of
    rows never sits in memory whole."""
    writer = csv.writer(_Echo())
    response = StreamingHttpResponse(
        (writer.writerow(row) for row in rows), content_type="text/csv"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
