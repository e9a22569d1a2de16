"""The form admins' pages under ``/admin``: the forms, the builder, and the phone preview of a form being built."""

from shenbao.web.admin.router import admin_router

__all__ = ["admin_router"]
