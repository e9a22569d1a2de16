"""QR codes and printable A4 posters that bring farmers from a village's notice board to a form.

.. code-block:: python

    from shenbao.posters import poster_facts, poster_pdf, qr_png

    png = qr_png("https://example.org/f/<form id>?region=<village code>")
    pdf = poster_pdf([poster_facts(form, chain, divisions, "<village code>", url)])

The link a QR code holds names a form and a region, never a version: a republished form needs no reprint.
The PDF needs a font with Chinese characters (:func:`poster_font`), found from ``SHENBAO_POSTER_FONT`` or the
usual system paths.
"""

from shenbao.posters.facts import PosterFacts, PosterStep, poster_facts, villages_below
from shenbao.posters.render import (
    FONT_PATHS,
    FONT_SETTING,
    PosterFontMissing,
    poster_font,
    poster_pdf,
    qr_png,
)

__all__ = [
    "FONT_PATHS",
    "FONT_SETTING",
    "PosterFacts",
    "PosterFontMissing",
    "PosterStep",
    "poster_facts",
    "poster_font",
    "poster_pdf",
    "qr_png",
    "villages_below",
]
