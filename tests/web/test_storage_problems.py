"""Storage faults as problems: 507 for a full disk, 503 with Retry-After for a read-only or failing home, 503
naming `segue doctor` (no Retry-After: waiting does not help) for a damaged database; OS errors the same way; the
server's paths are not told to the client."""

from __future__ import annotations

import errno
import json

import pytest

from assistant.model.errors import StorageCorrupt, StorageFull, StorageUnavailable
from assistant.web.problems import PROBLEM, error_response, problem_responses


@pytest.mark.parametrize(("exc", "status", "retry"), [
    (StorageFull("The database x cannot grow: the disk is full."), 507, True),
    (OSError(errno.ENOSPC, "No space left on device", "/h/shows/a/links/001.wav"), 507, True),
    (OSError(errno.EDQUOT, "Disk quota exceeded", "/h/segue.db"), 507, True),
    (StorageUnavailable("The database x cannot be written."), 503, True),
    (OSError(errno.EROFS, "Read-only file system", "/h/catalog.tmp"), 503, True),
    (OSError(errno.EACCES, "Permission denied", "/h/index"), 503, True),
    (StorageCorrupt("The database x is damaged. Run `segue doctor`."), 503, False),
])
def test_storage_faults_are_problems(exc, status, retry):
    r = error_response(exc)
    body = json.loads(r.body)
    assert r.status_code == status and r.media_type == PROBLEM and body["status"] == status
    assert body["title"] in ("Insufficient storage", "Storage unavailable") and "Traceback" not in body["detail"]
    assert ("Retry-After" in r.headers) is retry
    assert "/h/" not in body["detail"] and " x " not in body["detail"]  # the server's paths stay in its log
    assert ("segue doctor" in body["detail"]) is isinstance(exc, StorageCorrupt)


def test_other_os_errors_stay_a_500_and_507_is_documented():
    assert error_response(OSError(errno.ENOENT, "No such file", "/x")).status_code == 500
    assert 507 in problem_responses() and 503 in problem_responses()
