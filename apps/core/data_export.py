"""A person's data export (issue 11, data rights): tables each app gathers about
one user, written into one zip as JSON (everything) and CSV (the tabular parts).

Each app offers its part as `ExportTable`s whose rows are produced lazily; the zip
is written to a temporary file table by table, row by row, so a student with
thousands of contacts never sits in memory whole."""

import csv
import io
import json
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime

from django.core.serializers.json import DjangoJSONEncoder

from apps.core.csv_cells import csv_cell_safe

# Above this a temporary file moves from memory to disk.
SPOOL_BYTES = 4 * 1024 * 1024


@dataclass
class ExportTable:
    """One table of a person's data: `name` becomes `<name>.json` (and `<name>.csv`
    when `csv` is true); `rows` yields one dict per row with the `columns` as keys."""

    name: str
    columns: list[str]
    rows: Callable[[], Iterable[dict]]
    csv: bool = True


def _cell(value) -> str:
    if isinstance(value, str):
        return csv_cell_safe(value)
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return csv_cell_safe("; ".join(str(v) for v in value))
    return csv_cell_safe(value)


def _write_table(archive: zipfile.ZipFile, folder: str, table: ExportTable) -> int:
    """One pass over the rows: the JSON goes into the zip as it is made, the CSV
    into a temporary file copied in afterwards (a zip is written one member at a
    time)."""
    count = 0
    encoder = DjangoJSONEncoder(ensure_ascii=False)
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES, mode="w+", newline="") as csv_text:
        writer = csv.writer(csv_text)
        writer.writerow(table.columns)
        with archive.open(f"{folder}/{table.name}.json", "w") as raw:
            text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
            text.write("[")
            for row in table.rows():
                text.write(",\n" if count else "\n")
                text.write(encoder.encode(row))
                if table.csv:
                    writer.writerow([_cell(row.get(column)) for column in table.columns])
                count += 1
            text.write("\n]\n")
            text.flush()
            text.detach()
        if table.csv:
            csv_text.seek(0)
            with archive.open(f"{folder}/{table.name}.csv", "w") as raw_csv:
                out = io.TextIOWrapper(raw_csv, encoding="utf-8", newline="")
                shutil.copyfileobj(csv_text, out)
                out.flush()
                out.detach()
    return count


def data_export_zip(*, folder: str, readme: str, tables: list[ExportTable], meta: dict):
    """A temporary file (rewound) holding the zip: README.txt, export.json (what the
    export is, with the row count of each table) and each table as JSON and CSV."""
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 - returned open
    counts = {}
    with zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for table in tables:
            counts[table.name] = _write_table(archive, folder, table)
        archive.writestr(f"{folder}/README.txt", readme)
        archive.writestr(
            f"{folder}/export.json",
            json.dumps({**meta, "tables": counts}, cls=DjangoJSONEncoder, indent=2),
        )
    spool.seek(0)
    return spool
