"""Listeners' API tokens for the web server: made here, stored as sha256 digests (`retrieval.store.tokens`).

A token is shown once, when it is made (`segue users add NAME`); only its digest is kept, so a copy of the
database does not let anyone in. Checking a token hashes it, finds the digest by index and compares the
digests in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from assistant.model.errors import BadInput
from retrieval.store import Stores, TokenStore
from retrieval.store.listens import check_listener_name, listener_skeleton

PREFIX = "sg_"


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


class Users:
    """Tokens over the store (the calling thread's connection)."""

    def __init__(self, stores: Stores, max_tokens: int = 5):
        self.stores, self.max_tokens = stores, max_tokens

    def _tokens(self) -> TokenStore:
        return self.stores.tokens()

    def add(self, name: str) -> str:
        """A new token for listener `name` (created when new); returned once, stored hashed. BadInput when the
        name is not allowed, looks like another listener's, or the listener already holds `max_tokens`."""
        try:
            check_listener_name(name)
        except ValueError as e:
            raise BadInput(str(e)) from None
        twins = [n for n in self.stores.store().listeners() if n != name and listener_skeleton(n) ==
                 listener_skeleton(name)]
        if twins:
            raise BadInput(f"Listener name {name!r} looks like the existing listener {twins[0]!r}; use that name "
                           "or one that cannot be mistaken for it.")
        held = next((r["tokens"] for r in self.list() if r["listener"] == name), 0)
        if held >= self.max_tokens:
            raise BadInput(f"{name} already holds {held} tokens, the most allowed (SEGUE_MAX_TOKENS_PER_LISTENER). "
                           f"Revoke them with `segue users remove {name}`, then make one.")
        token = PREFIX + secrets.token_urlsafe(32)
        self._tokens().add(name, digest(token))
        return token

    def listener(self, token: str | None) -> str | None:
        """The listener a token belongs to, or None for a missing or unknown one."""
        if not token or len(token) > 200:
            return None
        wanted = digest(token)
        found = self._tokens().find(wanted)
        if found is None or not hmac.compare_digest(found[1], wanted):
            return None
        return found[0]

    def list(self) -> list[dict]:
        return self._tokens().list()

    def remove(self, name: str) -> int:
        """Revoke every token of `name`; their sessions and history stay. Unknown or tokenless: BadInput."""
        try:
            n = self._tokens().remove(name)
        except ValueError as e:
            raise BadInput(str(e)) from None
        if n == 0:
            raise BadInput(f"{name!r} has no token. See who has one with `segue users list`.")
        return n

    def any(self) -> bool:
        return self._tokens().count() > 0
