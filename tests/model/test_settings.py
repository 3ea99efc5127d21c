"""Settings read from SEGUE_* variables by hand (no pydantic-settings): names in any case, JSON lists, given values
first, and a bad value a one-line BadSettings naming its variable."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from assistant.model.errors import BadInput
from assistant.model.settings import BadSettings, Settings
from tests.paths import ROOT


def test_values_come_from_segue_variables_in_any_case():
    s = Settings(_environ={"segue_user": "bob", "SEGUE_DJ_EVERY": "4", "Segue_Llm_Timeout": "5.5",
                           "SEGUE_DJ_USE_LLM": "false", "SEGUE_ALLOWED_HOSTS": '["music.lan"]', "OTHER": "x",
                           "SEGUE_NOT_A_SETTING": "ignored"})
    assert (s.user, s.dj_every, s.llm_timeout, s.dj_use_llm, s.allowed_hosts) == ("bob", 4, 5.5, False, ["music.lan"])


def test_given_values_win_over_the_environment():
    s = Settings(home=Path("/tmp/given"), dj_every=7, _environ={"SEGUE_HOME": "/tmp/env", "SEGUE_DJ_EVERY": "2"})
    assert (s.home, s.dj_every) == (Path("/tmp/given"), 7)


def test_defaults_without_environment():
    s = Settings(_environ={})
    assert (s.user, s.dj_every, s.allowed_hosts, s.auth) == (None, 3, [], "auto")
    assert s.home.name == "segue"


@pytest.mark.parametrize(("env", "message"), [
    ({"SEGUE_DJ_EVERY": "abc"}, "SEGUE_DJ_EVERY: Input should be a valid integer"),
    ({"SEGUE_DJ_EVERY": "0"}, "SEGUE_DJ_EVERY: Input should be greater than or equal to 1"),
    ({"SEGUE_LLM_METHOD": "xml"}, "SEGUE_LLM_METHOD: Input should be 'function_calling'"),
    ({"SEGUE_ALLOWED_HOSTS": "music.lan"}, "SEGUE_ALLOWED_HOSTS: expected a JSON list"),
    ({"SEGUE_ALLOWED_HOSTS": '{"a": 1}'}, "SEGUE_ALLOWED_HOSTS: Input should be a valid list"),
    ({"SEGUE_AUTH": "x" * 500}, "(got 'xxxx"),
])
def test_a_bad_variable_is_a_bad_input_naming_it(env, message):
    with pytest.raises(BadSettings, match=message.replace("(", r"\(")) as caught:
        Settings(_environ=env)
    assert isinstance(caught.value, BadInput) and len(str(caught.value)) < 200


def test_a_bad_given_value_stays_a_validation_error():
    with pytest.raises(ValidationError):
        Settings(dj_every=0, _environ={"SEGUE_DJ_EVERY": "abc"})


def test_the_cli_says_one_line_for_a_bad_variable(tmp_path):
    env = {"SEGUE_HOME": str(tmp_path / "home"), "SEGUE_DJ_EVERY": "abc", "PATH": "/usr/bin:/bin",
           "PYTHONPATH": str(ROOT)}
    p = subprocess.run([sys.executable, "-m", "assistant.cli", "playlist", "jazz"], env=env, capture_output=True,
                       text=True, timeout=60)
    assert p.returncode == 2, p.stderr
    assert "Traceback" not in p.stderr
    assert p.stderr.strip().splitlines() == [
        "error: SEGUE_DJ_EVERY: Input should be a valid integer, unable to parse string as an integer (got 'abc')"]
