"""Exports of approved applications: which answers fill the national system's columns, the rows, the xlsx file.

- :mod:`shenbao.exports.spec`: a pack's ``export.json`` (each form's answers for each column), decoded and linted;
- :mod:`shenbao.exports.national`: one row per application, identity fields masked unless the role may see them;
- :mod:`shenbao.exports.xlsx`: the workbook, written row by row in openpyxl's write-only mode.
"""

from shenbao.exports.national import HEADERS, approval_day, national_row
from shenbao.exports.spec import (
    EXPORT_FILE,
    ExportSpec,
    FormColumns,
    PackExports,
    decode_export,
    lint_export,
    lint_exports,
    load_exports,
)
from shenbao.exports.xlsx import XLSX_MEDIA_TYPE, XlsxSheet

__all__ = [
    "EXPORT_FILE",
    "HEADERS",
    "XLSX_MEDIA_TYPE",
    "ExportSpec",
    "FormColumns",
    "PackExports",
    "XlsxSheet",
    "approval_day",
    "decode_export",
    "lint_export",
    "lint_exports",
    "load_exports",
    "national_row",
]
