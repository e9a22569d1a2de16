"""Multi-field fill-in (多项填空): several labelled blanks answered together, e.g. name, ID number and phone.

A phone blank marked ``verify`` draws the phone widget's code controls, so that widget's assets come along.
"""

from shenbao.forms.model import FieldsQuestion
from shenbao.widgets import WidgetHooks


class FieldsWidget(WidgetHooks[FieldsQuestion]):
    """The blanks are read and checked by the platform (``shenbao.web.answers``, ``shenbao.forms.values``)."""

    USES = ("phone",)
