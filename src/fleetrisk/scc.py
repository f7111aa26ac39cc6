"""Strongly connected components of a directed graph (iterative Tarjan, no recursion).

A ground-floor utility: the model index and the engine both use it.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Sequence
from typing import TypeVar

N = TypeVar("N", bound=Hashable)


def strongly_connected(nodes: Iterable[N], succ: Callable[[N], Sequence[N]]) -> list[list[N]]:
    """The strongly connected components, each in discovery order, sinks first.

    ``succ(node)`` gives a node's successors. The order is deterministic for a given order of
    ``nodes`` and of each successor list.
    """
    index: dict[N, int] = {}
    low: dict[N, int] = {}
    on_stack: set[N] = set()
    stack: list[N] = []
    result: list[list[N]] = []
    for root in nodes:
        if root in index:
            continue
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        work: list[tuple[N, int]] = [(root, 0)]
        while work:
            node, position = work[-1]
            following = succ(node)
            if position < len(following):
                work[-1] = (node, position + 1)
                nxt = following[position]
                if nxt not in index:
                    index[nxt] = low[nxt] = len(index)
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, 0))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                ring: list[N] = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    ring.append(member)
                    if member == node:
                        break
                result.append(ring[::-1])
    return result
