"""verify_files: a target marked verify_alongside runs in a thread beside the others; failures are
raised in target order, as when every target ran in turn."""
import threading
from pathlib import Path

import pytest

from obskit.build import verify_files
from obskit.errors import ToolError


class Fake:
    def __init__(self, name, fail=False, alongside=False, log=None):
        self.name, self.fail, self.log = name, fail, log if log is not None else []
        if alongside:
            self.verify_alongside = True

    def verify(self, directory, files):
        self.log.append((self.name, threading.current_thread() is threading.main_thread()))
        if self.fail:
            raise ToolError(f"{self.name} failed")


def test_alongside_target_runs_in_a_thread_and_all_pass():
    log = []
    verify_files(Path("."), {}, (Fake("rules", log=log), Fake("grafana", alongside=True, log=log), Fake("am", log=log)))
    assert sorted(log) == [("am", True), ("grafana", False), ("rules", True)]


def test_first_failure_in_target_order_is_raised():
    log = []
    chosen = (Fake("rules", fail=True, log=log), Fake("grafana", fail=True, alongside=True, log=log),
              Fake("am", log=log))
    with pytest.raises(ToolError, match="rules failed"):
        verify_files(Path("."), {}, chosen)
    assert ("am", True) not in log          # the sequential targets stop at the first failure


def test_alongside_failure_is_raised_when_it_is_the_first():
    chosen = (Fake("rules"), Fake("grafana", fail=True, alongside=True), Fake("am", fail=True))
    with pytest.raises(ToolError, match="grafana failed"):
        verify_files(Path("."), {}, chosen)
