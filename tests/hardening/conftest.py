"""The hardening suite: every case from the attack report (issue 13) replayed, and a generated family around each
class. `fuzz_tally` counts outcomes; the table is printed at the end of the run and written to
bench/results/hardening.json."""

from __future__ import annotations

import pytest

from tests.hardening.tally import TALLY, Tally


@pytest.fixture(scope="session")
def fuzz_tally() -> Tally:
    return TALLY


def pytest_terminal_summary(terminalreporter):
    if TALLY.cases:
        terminalreporter.section("hardening: cases tried and their outcomes")
        terminalreporter.write_line(TALLY.table())
        TALLY.write()
