"""The web API's routes, one `APIRouter` per area: health (and the page), chat, sessions (with exports),
history, shows (the DJ). A new route goes in routers/<area>.py as a module-level function that takes what it
needs from `assistant.web.deps`; a new area gets its own module, included in `assistant.web.app.create_app`."""

from assistant.web.routers import chat, health, history, sessions, shows

__all__ = ["chat", "health", "history", "sessions", "shows"]
