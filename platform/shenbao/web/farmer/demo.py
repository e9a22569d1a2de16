"""Pages that exist only in ``shenbao demo``: the text messages the demo "sent", so a tester can read the codes.

They are mounted only when ``Settings.demo`` is on (the demo command turns it on); a real deployment has no such
page. The staff workspace brings the admin's own view of the messages, behind a login.
"""

from __future__ import annotations

from litestar import Controller, Response, get
from litestar.di import NamedDependency

from shenbao.store.verification import recent_sms
from shenbao.web.services import Services

__all__ = ["DemoController"]


class DemoController(Controller):
    path = "/demo"
    include_in_schema = False

    @get("/sms", name="demo:sms")
    async def sms(self, services: NamedDependency[Services]) -> Response[str]:
        """The newest 50 messages the database gateway kept, newest first."""
        messages = await recent_sms(services.database, 50)
        return services.renderer.page("demo/sms.html", messages=messages)
