"""申报 (shenbao): government self-declaration forms and their approval chains."""

__version__ = "0.1.0"
