"""`segue serve` (the web server) and `segue users add|list|remove` (API tokens)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.text import Text

from assistant.cli.errors import handle_errors
from assistant.cli.safe_console import SafeConsole, field
from assistant.model.errors import BadInput

LOOPBACK = ("127.0.0.1", "::1", "localhost")
users_app = typer.Typer(help="Listeners' API tokens for `segue serve`.", no_args_is_help=True)
out = SafeConsole()
err = SafeConsole(stderr=True)


def access_mode(requested: str, host: str, have_tokens: bool) -> str:
    """'tokens' or 'none' for a requested mode (auto, tokens, none) and bind address; BadInput when not allowed."""
    mode = ("tokens" if have_tokens else "none") if requested == "auto" else requested
    if mode not in ("tokens", "none"):
        raise BadInput(f"--auth must be auto, tokens or none, not {requested!r}.")
    if mode == "none" and host not in LOOPBACK:
        raise BadInput(f"Without tokens the server is single-user and may only listen on 127.0.0.1, not {host}. "
                       "Add a listener with `segue users add NAME` (the server then asks for tokens), or drop --host.")
    if mode == "tokens" and not have_tokens:
        raise BadInput("No listener has a token yet, so nobody could use the server. Make one with "
                       "`segue users add NAME`.")
    return mode


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on (single-user mode needs 127.0.0.1)")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port")] = 8000,
    auth: Annotated[str | None, typer.Option(help="tokens, none (single-user) or auto: tokens once a listener "
                                                      "has one (default: SEGUE_AUTH, else auto)")] = None,
) -> None:
    """Run the web page and the JSON API (/v1, docs at /docs) with uvicorn."""
    from assistant.compose import build
    from assistant.web import Users

    with handle_errors(err):
        app = build()
        check_user(app.settings.user)
        mode = access_mode(auth or app.settings.auth, host, Users(app.stores).any())
        err.print(Text("Loading the catalogue, vectors and index..."))
        app.catalogue.library()
    import uvicorn

    from assistant.web import create_app
    from assistant.web.server import server_config

    who = "API tokens (Authorization: Bearer ...)" if mode == "tokens" else "single-user, no token"
    err.print(Text(f"Segue on http://{'[' + host + ']' if ':' in host else host}:{port}/ ({who}); API docs at /docs"))
    settings = app.settings
    if mode == "tokens" and host in ("0.0.0.0", "::") and not settings.allowed_hosts:
        err.print(Text("Answering any host name: set SEGUE_ALLOWED_HOSTS (e.g. '[\"music.lan\"]') to the names "
                       "clients use."))
    uvicorn.Server(server_config(create_app(app, auth=mode, bound=host), host, port, settings.header_timeout,
                                 settings.body_timeout, log_level="info")).run()


def check_user(user: str | None) -> None:
    """BadInput when SEGUE_USER is set to a name no listener may have (every chat would fail)."""
    from retrieval.store import check_listener_name

    if user is not None:
        try:
            check_listener_name(user)
        except ValueError as e:
            raise BadInput(f"SEGUE_USER: {e} Fix or unset SEGUE_USER, then start the server again.") from None


@users_app.command("add")
def users_add(name: Annotated[str, typer.Argument(help="Listener name, e.g. alex (letters, digits, - _ .)")]) -> None:
    """Make an API token for a listener (created when new) and print it once: only its hash is kept."""
    from assistant.compose import build
    from assistant.web import Users

    with handle_errors(err):
        services = build()
        token = Users(services.stores, services.settings.max_tokens_per_listener).add(name)
    err.print(Text("Token for ") + field(name) + Text(" (shown once; send it as `Authorization: Bearer <token>`):"))
    print(token)


@users_app.command("list")
def users_list() -> None:
    """Listeners holding tokens."""
    from assistant.compose import build
    from assistant.web import Users

    with handle_errors(err):
        rows = Users(build().stores).list()
    for r in rows:
        out.print(field(r["listener"]) + Text(f"  {r['tokens']} token(s), last made {r['last']}"))
    if not rows:
        out.print("No tokens yet: `segue users add NAME` makes one.")


@users_app.command("remove")
def users_remove(name: Annotated[str, typer.Argument(help="Listener whose tokens to revoke")]) -> None:
    """Revoke every token of a listener (their sessions and history stay)."""
    from assistant.compose import build
    from assistant.web import Users

    with handle_errors(err):
        n = Users(build().stores).remove(name)
    out.print(Text(f"Revoked {n} token(s) of ") + field(name) + Text("."))
