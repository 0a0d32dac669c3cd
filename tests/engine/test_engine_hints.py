"""The cache hint compiles into the kernels, changes nothing they compute, and never faults."""

import numpy as np
import pytest
from numba import njit
from numba.core.errors import TypingError

from lifecircle.engine.hints import LINE, prefetch


@njit(cache=False)
def _hinted_sum(values, ids, reach):
    """Sum ``values`` after hinting every line of both arrays, and ``reach`` elements past their ends."""
    for k in range(0, len(values) + reach, LINE // values.itemsize):
        prefetch(values, k)
    for k in range(0, len(ids) + reach, LINE // ids.itemsize):
        prefetch(ids, k)
    total = 0.0
    for k in range(len(ids)):
        total += values[ids[k]]
    return total


@njit(cache=False)
def _plain_sum(values, ids):
    total = 0.0
    for k in range(len(ids)):
        total += values[ids[k]]
    return total


@pytest.mark.parametrize("reach", [0, 1, 4096])
def test_hints_change_no_result(reach):
    rng = np.random.default_rng(3)
    values = rng.random(10_000)
    ids = rng.integers(0, len(values), 5_000).astype(np.int32)
    assert _hinted_sum(values, ids, reach) == _plain_sum(values, ids)


def test_hint_on_empty_array():
    assert _hinted_sum(np.zeros(0), np.zeros(0, np.int32), 8) == 0.0


def test_hint_wants_a_1d_array_and_an_integer():
    @njit(cache=False)
    def on_2d(a):
        prefetch(a, 0)

    @njit(cache=False)
    def with_float(a):
        prefetch(a, 0.5)

    with pytest.raises(TypingError):
        on_2d(np.zeros((2, 2)))
    with pytest.raises(TypingError):
        with_float(np.zeros(2))


def test_hint_is_a_prefetch_instruction():
    """On x86-64 the hint is the processor's prefetch instruction (elsewhere LLVM picks the platform's own)."""
    import platform

    if platform.machine().lower() not in ("x86_64", "amd64"):
        pytest.skip("checks x86-64 assembly")
    values, ids = np.ones(4), np.zeros(2, np.int32)
    _hinted_sum(values, ids, 0)
    asm = _hinted_sum.inspect_asm(_hinted_sum.signatures[0])
    assert "prefetcht0" in asm
