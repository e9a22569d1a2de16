"""The SQL of the schema step that lets a county account author forms (frozen once released)."""

from __future__ import annotations

__all__ = ["staff_form_admin"]


def staff_form_admin(kind: str) -> tuple[str, ...]:
    # 表单管理权限: the province admin grants it to a county account, which then authors its own county's forms.
    # Province accounts author forms whether or not it is set. Every existing account starts without it.
    del kind  # the same statement on both engines
    return ("ALTER TABLE staff ADD COLUMN form_admin BOOLEAN NOT NULL DEFAULT FALSE",)
