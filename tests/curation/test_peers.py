"""bot/curation/peers.py: the naive peers every figure is reported beside."""

from __future__ import annotations

import random

import pytest

from bot.core.knowledge import KnowledgeBase
from bot.curation.evaluation import BLIND_TUNING, load_examples
from bot.curation.peers import DifflibPeer, WRatioPeer, best_cutoff, run_peer

pytestmark = pytest.mark.integration


def test_peers_are_scored_on_the_same_messages(kb: KnowledgeBase) -> None:
    sample = random.Random(8).sample(load_examples(BLIND_TUNING), 4)
    # difflib compares in pure Python with each of the thousand questions: four messages say as
    # much about the code as a dozen, at a third of the time.
    for peer in (WRatioPeer(kb), DifflibPeer(kb)):
        run = run_peer(peer, sample)
        cutoff = best_cutoff(run)
        assert 0 <= cutoff <= 100 and len(run.report(cutoff).results) == len(sample)
        # Leaving a question out means the peer cannot find that very question.
        question = kb.entries["family_links"].questions[0]
        assert peer.nearest(question)[1] == 100
        assert peer.nearest(question, leave_out=question)[1] < 100
