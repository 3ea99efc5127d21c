"""Listener names: NFKC form only, one script among Latin/Cyrillic/Greek, and the skeleton that tells confusable
names apart (`retrieval.store.listens`)."""

from __future__ import annotations

import pytest

from retrieval.store.listens import check_listener_name, listener_skeleton


@pytest.mark.parametrize("name", ["alex", "ana.b", "dj_x-1", "алекс", "Ελένη", "日本ひらがな", "Zoë"])
def test_names_of_one_script_pass(name):
    assert check_listener_name(name) == name


@pytest.mark.parametrize("name,words", [
    ("аlex", "several scripts"), ("ａｌｅｘ", "write it as 'alex'"), ("ﬁsh", "write it as 'fish'"),
    ("Ωmega", "several scripts"), ("x y", "1-64 letters"), ("..", "1-64 letters"), ("", "1-64 letters")])
def test_look_alike_and_bad_names_are_refused(name, words):
    with pytest.raises(ValueError, match=words):
        check_listener_name(name)


def test_skeletons():
    assert listener_skeleton("ALEX") == listener_skeleton("alex") == listener_skeleton("a1ex")
    assert listener_skeleton("ахе") == listener_skeleton("axe")  # all Cyrillic, looks Latin
    assert listener_skeleton("ben") != listener_skeleton("alex")
