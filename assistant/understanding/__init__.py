"""Understanding a listener's request: safety screen, offline parser, optional LLM reading, one grounded result.

`understand(text, vocab, llm)` (`reading.py`) returns a `Reading`: a playlist request with `Constraints`, a
question back, or a refusal. Parts: `safety.py` (the screen and quoting untrusted text), `parser/` (the offline
parser, `parse`), `entities/` (artists and works a request names), `llm_merge.py` (grounding an LLM's reading and
merging it with the offline one), `vocabulary.py` (the catalogue's genre terms and artists, `genre_key`),
`lexicon.py` (word lists, data only), `moods.py` (mood lookups and feature targets), `tokens.py` (the
parser's tokenizing functions, `dedupe`), and the concept layer: `concepts.py` (the inventory of occasions, moods,
activities and scenes in `data/concepts.jsonl`), `concept_index.py` (finding them in a request by phrase and by
nearest neighbour), `concept_profile.py` (what a set of concepts asks of the music). A new occasion or mood is a
line in `data/concepts.jsonl`. Importing this face loads no encoder or model.
"""

from assistant.understanding.concept_index import ConceptIndex
from assistant.understanding.concept_profile import ConceptProfile, merged_profile, seasonal_cues
from assistant.understanding.concept_spans import STOPWORDS as FILLER_WORDS
from assistant.understanding.concepts import Concept, ConceptReading, load_concepts
from assistant.understanding.lexicon import FEATURE_WORDS, KNOWN_GENRES, MOOD_ALIASES, MOODS, OPPOSITES
from assistant.understanding.llm_merge import mentioned, merge
from assistant.understanding.moods import MOOD_KEYS, targets_for
from assistant.understanding.parser import ParseError, parse
from assistant.understanding.reading import LLMAnswer, Reading, llm_schema, understand
from assistant.understanding.safety import looks_like_injection, quote_untrusted, screen
from assistant.understanding.tokens import CHARS, dedupe
from assistant.understanding.vocabulary import Vocabulary, genre_key

__all__ = [
    "CHARS", "Concept", "ConceptIndex", "ConceptProfile", "ConceptReading", "FEATURE_WORDS", "FILLER_WORDS", "KNOWN_GENRES", "LLMAnswer", "MOOD_ALIASES", "MOODS", "MOOD_KEYS", "OPPOSITES",
    "ParseError", "Reading", "Vocabulary", "dedupe", "genre_key", "llm_schema", "load_concepts", "looks_like_injection", "mentioned",
    "merge", "merged_profile", "parse", "quote_untrusted", "screen", "seasonal_cues", "targets_for", "understand",
]
