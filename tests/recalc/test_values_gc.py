"""The garbage-collector pause around reading/evaluating (``values.gc_paused``)."""

from __future__ import annotations

import gc
import weakref

from xlfuncs.recalc.values import gc_paused


class _Node:
    def __init__(self) -> None:
        self.other: object = None


def test_collector_restored_and_cycles_still_collected() -> None:
    assert gc.isenabled()
    with gc_paused():
        assert not gc.isenabled()
        a, b = _Node(), _Node()
        a.other, b.other = b, a  # a reference cycle made inside the pause
        ref = weakref.ref(a)
        del a, b
    assert gc.isenabled()
    # objects made in the pause are handed to the collector, not frozen for good
    assert gc.get_freeze_count() == 0
    gc.collect()
    assert ref() is None


def test_nested_pause_keeps_collector_off_until_outermost() -> None:
    with gc_paused():
        with gc_paused():
            pass
        assert not gc.isenabled()
    assert gc.isenabled()


def test_host_frozen_objects_stay_frozen() -> None:
    # a host process that froze its objects (e.g. before fork) keeps them frozen
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        assert frozen > 0
        with gc_paused():
            _Node()
        assert gc.get_freeze_count() == frozen
    finally:
        gc.unfreeze()


def test_disabled_collector_stays_disabled() -> None:
    gc.disable()
    try:
        with gc_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
