"""Form definitions: the model, the loader, the linter and the pure evaluation engine.

No I/O beyond reading definition files.
"""

from shenbao.forms.engine import CompiledForm, Evaluation, compile_form, evaluate
from shenbao.forms.loader import DefinitionError, decode_form, load_form
from shenbao.forms.model import FormDef, Outcome, Question, text_of

__all__ = [
    "CompiledForm",
    "DefinitionError",
    "Evaluation",
    "FormDef",
    "Outcome",
    "Question",
    "compile_form",
    "decode_form",
    "evaluate",
    "load_form",
    "text_of",
]
