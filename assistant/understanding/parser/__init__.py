"""The offline parser: a request's words -> `Constraints`, deterministic, no language model.

`parse` (in `pipeline.py`) runs an ordered list of named steps over one `ParseState` (`state.py`): first the
structural pass over a `Draft` (`draft.py`; steps in `quantities.py`, `years.py`, `preferences.py`, numbers in
`numbers.py`), then names (`entity_names.py`, `trigger_names.py`, `bare_names.py`), moods and genres
(`genres.py`) and the theme. Other packages use `parse`, `ParseError`, and the pieces the conversation's edit
reader shares: `Draft`, `ordering`, `NUM` and `number`.
"""

from assistant.understanding.parser.draft import Draft
from assistant.understanding.parser.numbers import NUM, number
from assistant.understanding.parser.pipeline import MAX_CHARS, ParseError, parse
from assistant.understanding.parser.preferences import ordering

__all__ = ["MAX_CHARS", "NUM", "Draft", "ParseError", "number", "ordering", "parse"]
