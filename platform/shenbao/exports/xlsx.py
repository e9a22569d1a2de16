"""An xlsx workbook written row by row with openpyxl's write-only mode, one sheet after another.

Write-only mode streams each row to a temporary file as it is appended, so a sheet of 100,000 applications
takes the memory of one row, not of the whole sheet; :meth:`XlsxSheet.save` then zips it into the workbook.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

__all__ = ["XLSX_MEDIA_TYPE", "XlsxSheet"]

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_DATE_FORMAT = "yyyy-mm-dd"
_SHEET_TITLE_LIMIT = 31
"""Excel's limit on a sheet name's length."""


class XlsxSheet:
    """A workbook of one sheet: a bold, frozen header row, then the rows appended.

    Text stays text (an 18-digit ID number or a 12-digit receipt number is never turned into a number);
    dates are date cells shown as ``yyyy-mm-dd``.

    Args:
        title: the sheet's name (cut to Excel's 31 characters).
        headers: each column's header and width in characters.
    """

    def __init__(
        self, title: str, headers: Sequence[tuple[str, float]], *, workbook: Workbook | None = None
    ) -> None:
        self._workbook = workbook or Workbook(write_only=True)
        self._sheet = self._workbook.create_sheet(title[:_SHEET_TITLE_LIMIT])
        for index, (_, width) in enumerate(headers, start=1):
            self._sheet.column_dimensions[get_column_letter(index)].width = width
        self._sheet.freeze_panes = "A2"
        bold = Font(bold=True)
        header_cells = []
        for header, _ in headers:
            cell = WriteOnlyCell(self._sheet, value=header)
            cell.font = bold
            header_cells.append(cell)
        self._sheet.append(header_cells)
        self.rows = 0
        """Rows appended so far (the header not counted)."""

    def append(self, rows: Iterable[Sequence[Any]]) -> None:
        """Append rows; ``None`` and ``""`` leave a cell blank."""
        for row in rows:
            self._sheet.append([self._cell(value) for value in row])
            self.rows += 1

    def _cell(self, value: Any) -> Any:
        if value is None or value == "":
            return None
        if isinstance(value, dt.date):
            # openpyxl writes dates as date cells; its type stubs only name datetime.
            cell = WriteOnlyCell(self._sheet, value=value)  # type: ignore[arg-type]
            cell.number_format = _DATE_FORMAT
            return cell
        return value

    def next_sheet(self, title: str, headers: Sequence[tuple[str, float]]) -> XlsxSheet:
        """Another sheet of the same workbook, after this one (saving either saves both)."""
        return XlsxSheet(title, headers, workbook=self._workbook)

    def save(self, path: Path) -> None:
        """Write the workbook to ``path``; the sheet takes no more rows after."""
        self._workbook.save(path)
