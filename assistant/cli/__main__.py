"""`python -m assistant.cli`: the same as the `segue` command."""

from assistant.cli import main

main()
