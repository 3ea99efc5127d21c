"""Prompt templates as data files (`prompts/*.md`), filled with named `$variables`.

`$name` (or `${name}`) templates leave JSON braces alone; `$$` is a literal dollar sign. Every
variable the template names must be given, and every variable given must be used, so a renamed
placeholder fails loudly instead of sending a half-filled prompt. Templates are read with
importlib.resources, so they work from an installed package too. This package imports nothing
of Segue's.
"""

from __future__ import annotations

from importlib import resources
from string import Template

__all__ = ["PromptError", "fill", "load", "names", "render", "variables"]

SUFFIX = ".md"


class PromptError(Exception):
    """A template is missing, malformed, or was given the wrong variables."""


def names() -> list[str]:
    """The templates shipped, without their suffix."""
    return sorted(p.name[: -len(SUFFIX)] for p in resources.files(__name__).iterdir() if p.name.endswith(SUFFIX))


def load(name: str) -> str:
    """The text of template `name` (`"understand_system"` or `"understand_system.md"`)."""
    stem = name.removesuffix(SUFFIX)
    if not stem or "/" in stem or "\\" in stem or stem.startswith("."):
        raise PromptError(f"bad prompt name {name!r}")
    path = resources.files(__name__).joinpath(stem + SUFFIX)
    if not path.is_file():
        raise PromptError(f"no prompt template {stem!r}; known: {', '.join(names()) or 'none'}")
    return path.read_text(encoding="utf-8")


def variables(name: str) -> set[str]:
    """The variables template `name` uses."""
    return set(_template(name).get_identifiers())


def render(name: str, **variables: object) -> str:
    """Template `name` with every `$variable` replaced by `str(value)`."""
    return fill(load(name), name, **variables)


def fill(text: str, name: str = "<text>", **variables: object) -> str:
    """`render` for a template given as text (`name` is only used in messages)."""
    template = _parse(text, name)
    needed = set(template.get_identifiers())
    missing = sorted(needed - variables.keys())
    extra = sorted(variables.keys() - needed)
    if missing or extra:
        parts = []
        if missing:
            parts.append(f"missing variable(s) {', '.join(missing)}")
        if extra:
            parts.append(f"unused variable(s) {', '.join(extra)}")
        raise PromptError(f"prompt {name!r}: {'; '.join(parts)} (it uses: {', '.join(sorted(needed)) or 'none'})")
    return template.substitute({k: str(v) for k, v in variables.items()})


def _template(name: str) -> Template:
    return _parse(load(name), name)


def _parse(text: str, name: str) -> Template:
    template = Template(text)
    if not template.is_valid():
        raise PromptError(f"prompt {name!r} has a '$' that is not a variable; write '$$' for a dollar sign")
    return template
