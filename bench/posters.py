"""Budgets of the posters: one QR code PNG under 20 ms; a township's posters (22 villages) as one PDF under 5 s.

In-process, the functions the staff's download endpoints call: ``qr_png`` of a village's link, and for 秦川镇
(620171102, 22 villages) ``poster_facts`` of every village of the 2021 form with its chain, then ``poster_pdf``
(the font read and subset, one A4 page a village, the QR codes drawn as vector squares). Each PDF is checked
to have one page a village.
"""

from __future__ import annotations

import time

from _common import FORM_ID, Row, arguments, median, percentile, report
from shenbao.pack_runtime import Packs
from shenbao.packs import ChainRegistry, FormRegistry
from shenbao.posters import poster_facts, poster_font, poster_pdf, qr_png, villages_below

TOWNSHIP = "620171102"  # 秦川镇, 兰州新区: 22 villages
ORIGIN = "https://shenbao.example.gov.cn"
QR_BUDGET_MS = 20.0
PDF_BUDGET_S = 5.0


def link(region: str) -> str:
    return f"{ORIGIN}/f/{FORM_ID}?region={region}"


def main() -> int:
    args = arguments(__doc__.splitlines()[0])
    qr_rounds, pdf_rounds = (50, 2) if args.quick else (300, 5)
    divisions = Packs.load(["gansu"])["gansu"].divisions
    form = FormRegistry.from_packs(["gansu"]).get(FORM_ID)
    assert form is not None and form.definition.chain is not None
    found = ChainRegistry.from_packs(["gansu"]).get(form.definition.chain)
    assert found is not None
    villages = villages_below(divisions, TOWNSHIP)

    qr_png(link(villages[0].code))  # warm-up: segno's and zlib's first call
    qr_times = []
    for index in range(qr_rounds):
        village = villages[index % len(villages)]
        start = time.perf_counter()
        qr_png(link(village.code))
        qr_times.append((time.perf_counter() - start) * 1000)

    pdf_times = []
    size = 0
    for _ in range(pdf_rounds):
        start = time.perf_counter()
        facts = [
            poster_facts(form, found.chain, divisions, village.code, link(village.code))
            for village in villages
        ]
        pdf = poster_pdf(facts)
        pdf_times.append(time.perf_counter() - start)
        assert pdf.count(b"/Type /Page\n") == len(villages), "one page a village"
        size = len(pdf)

    qr_median = median(qr_times)
    pdf_median = median(pdf_times)
    rows = [
        Row(
            "one QR code PNG, median",
            f"{qr_median:.2f} ms",
            f"< {QR_BUDGET_MS:g} ms",
            qr_median < QR_BUDGET_MS,
        ),
        Row("one QR code PNG, p95", f"{percentile(qr_times, 0.95):.2f} ms"),
        Row(
            f"a township's posters as one PDF ({len(villages)} villages), median",
            f"{pdf_median:.2f} s",
            f"< {PDF_BUDGET_S:g} s",
            pdf_median < PDF_BUDGET_S,
        ),
        Row("  slowest of the rounds", f"{max(pdf_times):.2f} s"),
        Row("  PDF size", f"{size / 1024:.0f} KB"),
    ]
    notes = [
        f"\nQR: {qr_rounds} codes after one warm-up, villages' links in turn. PDF: {pdf_rounds} rounds of "
        f"{TOWNSHIP}'s villages, font {poster_font().name}."
    ]
    return report("Posters — one QR code, a township's posters as one PDF (in-process)", rows, args, notes)


if __name__ == "__main__":
    raise SystemExit(main())
