"""The block search equals a plain Dijkstra bit for bit, whatever the block size and slack.

Random directed graphs of a few thousand nodes with integer costs (ties), zero costs, parallel edges, self-loops,
one-way edges and unreachable parts; seeds with offsets; blocks from 1 to 64 nodes and slacks from 0 to +inf, so
nodes are settled, improved through another block and settled again.
"""

from __future__ import annotations

import numpy as np
import pytest
from random_graphs import dijkstra, random_graph

from lifecircle.engine import blocks


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("shift", [0, 2, 6])
def test_block_search_equals_dijkstra(seed, shift):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(500, 3000))
    indptr, nbr, cost = random_graph(rng, n, integer_costs=seed % 2 == 0)
    n_seeds = int(rng.integers(1, 60))
    seed_node = rng.integers(-1, n, n_seeds)  # −1: ignored
    seed_cost = rng.uniform(0, 30, n_seeds)
    seed_label = np.arange(n_seeds, dtype=np.int32)
    want = dijkstra(n, indptr, nbr, cost, seed_node, seed_cost)
    sc = blocks.scratch(n, shift)
    for slack in (0.0, 3.0, blocks.slack_for(cost), np.inf):
        dist = np.full(n, np.inf)
        label = np.full(n, -1, np.int32)
        settled = blocks.block_search(indptr, nbr, cost, seed_node, seed_cost, seed_label, dist, label, shift, slack, *sc)
        assert np.array_equal(dist, want), f"slack {slack}: max diff {np.nanmax(np.abs(dist - want))}"
        reached = np.isfinite(want)
        assert settled >= reached.sum()
        assert (label[~reached] == -1).all()
        # every node carries a seed whose own search gives it exactly that cost
        for s in np.unique(label[reached]):
            own = dijkstra(n, indptr, nbr, cost, seed_node[s:s + 1], seed_cost[s:s + 1])
            assert np.array_equal(own[label == s], dist[label == s])
        # the scratch is left as it came, ready for the next search
        pos, _, _, bsize, tree = sc
        assert (pos == -1).all() and (bsize == 0).all() and np.isinf(tree).all()


def test_slack_is_in_mean_edge_costs():
    assert blocks.slack_for(np.array([10.0, 30.0])) == blocks.SLACK_EDGES * 20.0
    assert blocks.slack_for(np.zeros(3)) == np.inf
    assert blocks.slack_for(np.zeros(0)) == np.inf
