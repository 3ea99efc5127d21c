"""Segue's evaluations: each measures one step of the flow on data whose answer is known, and prints figures.

    playlists.py      R-precision, NDCG@100 and recall@100 of playlists made from titles (cold, or with half of
                      each playlist as the listener's history), beside a BM25 baseline.
                      titled playlists (shared playlists.dev.jsonl.gz)    segue eval playlists FILE [--history-half]
    conversations.py  R-precision and recall@100 after every turn of a conversation replayed in one session
                      (conversation_replay.py), beside BM25 over the user turns so far.
                      CPCD conversations (shared cpcd.dev.jsonl.gz)       segue eval conversations FILE [--no-feedback]
    queries.py        precision, recall and F1 of the artists and works extracted from requests.
                      annotated requests (shared queries.dev.jsonl.gz)    segue eval queries FILE
    understanding.py  field accuracy of request understanding (scorer understanding_score.py, gold format
                      understanding_gold.py), false positives on hard fields, kind accuracy.
                      data/understanding.jsonl (dev), data/understanding_holdout.jsonl (written blind)
                                                                          segue eval understanding [--data FILE] [--llm]
    edits.py          follow-up edits honoured by the playlist, and the untouched tracks retained.
                      data/edits.jsonl                                    segue eval edits [--user NAME]

Shared pieces: `metrics.py` (r_precision, ndcg_at, recall_at), `files.py` (read_jsonl, GOLD_DIR). Every command
takes `--json` (the summary on stdout) and reads the catalogue of SEGUE_HOME; `understanding` and `edits` also
take `--out FILE` for the full per-item results. The gold sets written for this project live in `data/` (format:
`data/README.md`); public data sets stay outside the repository (`../shared/data`).

A new evaluation is one module here with an `evaluate_<name>(planner, path, ...) -> dict` that takes the
`Planner` (nothing in the flow knows about evaluations), its gold set in `data/` if the project writes one, a
test on tiny data in `tests/eval/`, and a command in `assistant/cli/eval.py` that prints its table.
Benchmarks that time things stay in `bench/`.
"""

from assistant.eval.conversations import evaluate_conversations
from assistant.eval.conversations import summary as conversations_summary
from assistant.eval.edits import EDITS_SET, evaluate_edits
from assistant.eval.metrics import ndcg_at, r_precision, recall_at
from assistant.eval.playlists import evaluate_playlists
from assistant.eval.queries import evaluate_queries, index_for_home
from assistant.eval.queries import summary as queries_summary
from assistant.eval.understanding import (
                                          DEV_SET,
                                          HOLDOUT_SET,
                                          evaluate_understanding,
                                          misreadings,
                                          offline_planner,
                                          require_llm,
)

__all__ = ["DEV_SET", "EDITS_SET", "HOLDOUT_SET", "conversations_summary", "evaluate_conversations", "evaluate_edits",
           "evaluate_playlists", "evaluate_queries", "evaluate_understanding", "index_for_home", "misreadings",
           "ndcg_at", "offline_planner", "queries_summary", "r_precision", "recall_at", "require_llm"]
