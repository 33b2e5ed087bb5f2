"""bot/curation/stats.py: how far a figure can be trusted, and whether a change moved it."""

from __future__ import annotations

import pytest

from bot.curation.stats import interval, interval_text, paired, sign_test

pytestmark = pytest.mark.unit


def test_the_interval_of_a_set_of_444_spans_about_three_points_either_way() -> None:
    low, high = interval(407, 444)
    assert (low, high) == pytest.approx((0.8872, 0.9389), abs=1e-4)
    assert interval_text(407, 444) == "88.7-93.9%"


@pytest.mark.parametrize(("hits", "total"), [(407, 444), (18, 444), (1, 3), (52, 52), (5, 2232)])
def test_the_interval_is_wilsons_as_scipy_computes_it(hits: int, total: int) -> None:
    from scipy.stats import binomtest

    reference = binomtest(hits, total).proportion_ci(confidence_level=0.95, method="wilson")
    assert interval(hits, total) == pytest.approx((reference.low, reference.high), abs=1e-7)


def test_none_or_all_still_leaves_room() -> None:
    # No confident wrong answer in 100 messages does not mean none in the next hundred.
    assert interval(0, 100)[0] == 0.0 and interval(0, 100)[1] == pytest.approx(0.0370, abs=1e-4)
    assert interval(100, 100)[1] == 1.0 and interval(100, 100)[0] == pytest.approx(0.9630, abs=1e-4)
    assert interval(0, 0) == (0.0, 1.0)


def test_the_sign_test_is_exact_and_two_sided() -> None:
    assert sign_test(0, 0) == 1.0
    assert sign_test(1, 1) == 1.0
    assert sign_test(5, 0) == pytest.approx(2 / 32)  # five of five one way: 1/32 each side
    assert sign_test(0, 5) == sign_test(5, 0)
    assert sign_test(10, 2) == pytest.approx(2 * (1 + 12 + 66) / 4096)
    assert sign_test(3, 2) == 1.0  # capped


@pytest.mark.parametrize(("gained", "lost"), [(7, 2), (2, 7), (12, 3), (1, 0), (30, 18)])
def test_the_sign_test_is_scipys_binomial_test(gained: int, lost: int) -> None:
    from scipy.stats import binomtest

    assert sign_test(gained, lost) == pytest.approx(binomtest(gained, gained + lost).pvalue)


def test_only_the_messages_that_changed_count() -> None:
    before = [True, True, False, False, True]
    after = [True, False, True, True, True]
    change = paired(before, after)
    assert (change.gained, change.lost, change.net) == (2, 1, 1)
    assert change.p_value == sign_test(2, 1) == 1.0
    with pytest.raises(ValueError):
        paired(before, after[:-1])
