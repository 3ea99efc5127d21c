"""Planning: constraints -> candidates -> a ranked, checked playlist, and the service that runs it from a prompt.

    service.py   `Planner`: prompt -> reading -> checked, personalised `Playlist` over one catalogue (what the CLI,
                 the server, the chat and the DJ hold)
    planner.py   `make_playlist` (pure over the library): gather candidates, score, select, check; `filter_spec`
                 turns constraints into retrieval's plain filter
    candidates.py  where candidates come from (`gather`) and how they are described for ranking (`describe`)
    meaning.py   what a request means on this catalogue: eras, popularity kinds, covers, occasions' feel and
                 families, and how far the listener's own taste may reach
    arc_order.py the picks in the order of an asked-for energy arc; explain.py says why each track is there
    checks.py    `check_constraints` (one `Check` per hard constraint, with a reason to act on) and the
                 `PoolFacts` that explain a shortfall (`pool_facts`, `missing_artists`)
    works.py     named songs and albums -> catalogue track ids (`resolve_works`)

A new hard constraint = a field on `model.constraints.Constraints`, its filter in `filter_spec` (planner.py) and
its check in `check_constraints` (checks.py). A new ranking signal = a component in `retrieval.ranking` fed by
`candidates.describe`, or a nudge in `meaning.adjust`.
"""

from assistant.planning.checks import PoolFacts, check_constraints, check_length, missing_artists, pool_facts
from assistant.planning.planner import filter_spec, make_playlist
from assistant.planning.service import Planner
from assistant.planning.works import library_has_artist, resolve_works

__all__ = ["Planner", "PoolFacts", "check_constraints", "check_length", "filter_spec", "library_has_artist",
           "make_playlist", "missing_artists", "pool_facts", "resolve_works"]
