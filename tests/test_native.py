"""bot/native.py: the numerical libraries' settings, set before numpy loads."""

from __future__ import annotations

import pytest

from bot import native

pytestmark = pytest.mark.unit

AVX2 = frozenset({"sse4_2", "avx", "avx2", "fma"})


@pytest.fixture
def clean(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for variable in (*native.THREAD_VARIABLES, "OPENBLAS_CORETYPE"):
        monkeypatch.delenv(variable, raising=False)
    return monkeypatch


def test_one_thread_each_and_the_common_kernel_where_the_cpu_has_it(clean: pytest.MonkeyPatch) -> None:
    import os

    native.settle(AVX2)
    assert [os.environ[v] for v in native.THREAD_VARIABLES] == ["1", "1", "1"]
    assert os.environ["OPENBLAS_CORETYPE"] == native.COMMON_KERNEL


def test_no_kernel_forced_on_a_cpu_without_avx2(clean: pytest.MonkeyPatch) -> None:
    import os

    native.settle(frozenset({"sse4_2", "avx"}))  # forced there, OpenBLAS would die on an illegal op
    assert "OPENBLAS_CORETYPE" not in os.environ
    native.settle(frozenset())  # not Linux, or not x86-64
    assert "OPENBLAS_CORETYPE" not in os.environ


def test_an_operators_choice_wins(clean: pytest.MonkeyPatch) -> None:
    import os

    clean.setenv("OPENBLAS_CORETYPE", "Zen")
    clean.setenv("OMP_NUM_THREADS", "2")
    native.settle(AVX2)
    assert os.environ["OPENBLAS_CORETYPE"] == "Zen" and os.environ["OMP_NUM_THREADS"] == "2"


def test_the_tests_run_the_kernels_the_bot_trains_with() -> None:
    # conftest settles before numpy loads; were it too late, OpenBLAS would have chosen by CPU and
    # a model trained here would differ from `make warm`'s on an AVX-512 machine.
    threadpoolctl = pytest.importorskip("threadpoolctl")
    import numpy  # noqa: F401  (loads its OpenBLAS)

    if not native._cpu_flags() >= native.KERNEL_NEEDS:
        pytest.skip("no AVX2 here: OpenBLAS chooses")
    kernels = {
        i.get("architecture") for i in threadpoolctl.threadpool_info() if i["internal_api"] == "openblas"
    }
    assert kernels == {native.COMMON_KERNEL}
