"""The platform's own Prometheus series that a process counts as things happen (``prometheus_client``).

They are module-level, as prometheus_client expects: each process counts its own, and ``/metrics`` adds them up
across processes through prometheus_client's multiprocess mode when ``PROMETHEUS_MULTIPROC_DIR`` is set (see
:mod:`shenbao.web.ops.prometheus`). What the database knows (the outbox, the open and overdue cases) is not
counted here: it is read from the database at scrape time, so every process reports the same figures.

- :data:`SMS_SENT`: messages the outbox dispatcher handed to the gateway, by template (its name without the
  chain: ``new_application``, not ``<chain id>.new_application``, so two provinces' alike messages add up and
  the label stays a handful of values);
- :data:`SWAP_SECONDS`, :data:`SUBMIT_SECONDS`: the farmer's answer swap and a submission, observed once per
  request by the route handlers marked with :data:`OBSERVED` in their ``opt``.
"""

from __future__ import annotations

from typing import Final, Literal

from prometheus_client import Counter, Histogram

__all__ = ["OBSERVED", "SMS_SENT", "SUBMIT_SECONDS", "SWAP_SECONDS", "TIMED", "Timed", "count_sms_sent"]

OBSERVED: Final = "shenbao_observed"
"""The ``opt`` key of a route handler whose time is observed: its value names the histogram (:data:`TIMED`)."""

SMS_SENT = Counter(
    "shenbao_sms_sent",
    "Text messages the outbox dispatcher handed to the SMS gateway, by template (its name without the chain)",
    ["template"],
)
SWAP_SECONDS = Histogram(
    "shenbao_swap_seconds",
    "Server time of the farmer's answer swap (one answer saved, the changed parts sent back)",
    buckets=(0.001, 0.0015, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)
SUBMIT_SECONDS = Histogram(
    "shenbao_submit_seconds",
    "Server time of a submission (the farmer's page or the API): checked, stored, its SMS queued",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)

Timed = Literal["swap", "submit"]
TIMED: Final[dict[str, Histogram]] = {"swap": SWAP_SECONDS, "submit": SUBMIT_SECONDS}
"""The histograms a route handler's ``opt={OBSERVED: ...}`` may name."""


def count_sms_sent(template: str) -> None:
    """Count one message sent under ``template`` (``<chain id>.<name>`` or a platform template's name)."""
    SMS_SENT.labels(template=template.rpartition(".")[2]).inc()
