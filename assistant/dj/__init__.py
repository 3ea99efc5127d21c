"""The DJ: a playlist -> sequenced for flow -> links planned, written and fact-checked -> spoken -> a show.

    show.py         `render_show` (the entry point the CLI and the server call) -> `Show`, its files (cue sheet,
                    script.json, links/NNN.wav); `Studio` writes and speaks more links during a live show
    player.py       `Player`: plays a rendered show and takes typed commands (skip, like, more energy, ...)
    sequencing.py   `sequence` orders a set by Camelot keys, tempo glide and an energy `Arc`;
                    `score_transitions` scores an order (`TransitionScore`, `TransitionWeights`)
    link_plans.py   where links go and the facts each may use (`plan_links`, `LinkPlan`)
    facts.py        the facts: a track's (`track_facts`), the listener's plays, the request's words
    lines.py        the lines: by an LLM in a persona or from templates (`write_lines`, `OfflineWriter`)
    templates.py    the template lines per link kind and the personas (plain data)
    fact_check.py   `check_line`: every name, number and year of a line must come from its facts
    speech.py       `Speaker` (one method: `say_to_wav`) and its engines: espeak (in `speech_worker.py`), piper,
                    openai; `speaker_for(voice setting)`

A new speech engine = a class implementing `Speaker` in speech.py + a line in `SPEAKERS`. A new kind of link =
a template tuple in templates.py (registered in `KINDS`) and, when it needs facts, a line in `KIND_FIELDS`
(link_plans.py). A new arc shape = a branch in `Arc.target` (sequencing.py) and its name in `SHAPES`.
"""

from assistant.dj.fact_check import FactCheck, check_line
from assistant.dj.facts import listening_facts, occasion, request_words, spoken_title, track_facts
from assistant.dj.lines import Line, OfflineWriter, write_lines
from assistant.dj.link_plans import LinkPlan, plan_links
from assistant.dj.player import Player, ShowState, parse_command
from assistant.dj.sequencing import (
                                     Arc,
                                     TransitionScore,
                                     TransitionWeights,
                                     arc_from,
                                     score_transitions,
                                     sequence,
                                     transition_weights_for,
)
from assistant.dj.show import Show, ShowLink, ShowTrack, Studio, history_for, more_energy, render_show
from assistant.dj.speech import Speaker, SpeechError, speaker_for, wav_rms, wav_seconds

__all__ = ["Arc", "FactCheck", "Line", "LinkPlan", "OfflineWriter", "Player", "Show", "ShowLink", "ShowState",
           "ShowTrack", "Speaker", "SpeechError", "Studio", "TransitionScore", "TransitionWeights", "arc_from",
           "check_line", "history_for", "listening_facts", "more_energy", "occasion", "parse_command", "plan_links",
           "render_show", "request_words", "score_transitions", "sequence", "speaker_for", "spoken_title",
           "track_facts", "transition_weights_for", "wav_rms", "wav_seconds", "write_lines"]
