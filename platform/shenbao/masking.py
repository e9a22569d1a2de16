"""Masked personal data: what a page or a spreadsheet shows of an ID number or a phone to whom may not read it.

A staff page shows identity numbers and phones masked; the full value is shown only on purpose, and that view is
written to the audit log. Exports mask them unless the role may see them.
"""

from __future__ import annotations

__all__ = ["mask_id_number", "mask_phone"]


def mask_phone(phone: str) -> str:
    """``138****8000``: enough to recognise the number, not enough to read it off a screen."""
    return phone[:3] + "****" + phone[-4:] if len(phone) == 11 else phone


def mask_id_number(number: str) -> str:
    """``620102********123X``: the region and the last four kept, the birth date hidden."""
    if len(number) != 18:
        return "*" * len(number)
    return number[:6] + "*" * 8 + number[-4:]
