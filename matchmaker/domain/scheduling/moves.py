"""Placing one pair on a ``Board``: directly, or after a Kempe-chain swap of two slots."""

from __future__ import annotations

from .board import FIXED, FREE, Board, bits

MAX_CHAIN = 64  # longer alternating chains are rare and almost never valid in both slots


def pick_slot(board: Board, free: int) -> int:
    """The free slot to use: the emptiest one, so that tables stay spread out (ties: earliest)."""
    load = board.load
    # min(bits(free), key=...) written out: placing calls this tens of thousands of times
    best, best_load = FREE, 0
    while free:
        low = free & -free
        free ^= low
        s = low.bit_length() - 1
        if best == FREE or load[s] < best_load:
            best, best_load = s, load[s]
    return best


def try_insert(board: Board, e: int) -> bool:
    """Place unplaced edge ``e`` directly or after one Kempe-chain swap; report success."""
    # has_room and free_slots written out: the search calls this hundreds of thousands of times
    g, p = board.eg[e], board.ep[e]
    count, cap = board.count, board.cap
    if count[g] >= cap[g] or count[p] >= cap[p]:
        return False
    free = board.emask[e] & ~(board.busy[g] | board.busy[p] | board.full)
    if free:
        board.place(e, pick_slot(board, free))
        return True
    return kempe_insert(board, e)


def kempe_insert(board: Board, e: int) -> bool:
    """Free a common slot for ``e`` by swapping two slots along an alternating chain.

    With ``g`` free at ``a`` and ``p`` free at ``b``, the chain of meetings alternating between
    ``a`` and ``b`` that starts at ``p`` never reaches ``g`` (bipartite graph), so swapping its
    slots frees ``p`` at ``a`` while ``g`` stays free there; symmetrically from ``g``.
    """
    g, p = board.eg[e], board.ep[e]
    mask = board.emask[e]
    # a swap between two slots moves no meeting out of both, so one of them needs a free table
    if not mask & ~board.full:
        return False
    g_free = mask & ~board.busy[g]
    p_free = mask & ~board.busy[p]
    for a in bits(g_free):
        for b in bits(p_free):
            if a != b and (
                _swap_and_place(board, e, p, a, b) or _swap_and_place(board, e, g, b, a)
            ):
                return True
    return False


def _swap_and_place(board: Board, e: int, start: int, a: int, b: int) -> bool:
    """Swap slots ``a``/``b`` along the chain from ``start`` (busy at ``a``), then place at a."""
    chain = alternating_chain(board, start, a, b)
    if chain is None:
        return False
    in_a = sum(1 for f in chain if board.slot[f] == a)
    in_b = len(chain) - in_a
    tables = board.num_tables
    if board.load[a] - in_a + in_b + 1 > tables or board.load[b] - in_b + in_a > tables:
        return False
    before = [board.slot[f] for f in chain]
    # take the whole chain out first: moving one meeting at a time would collide mid-way
    for f in chain:
        board.unplace(f)
    for f, s in zip(chain, before, strict=True):
        board.place(f, b if s == a else a)
    board.place(e, a)
    return True


def alternating_chain(board: Board, start: int, a: int, b: int) -> list[int] | None:
    """Meetings on the a/b alternating path from ``start``; None if it cannot be swapped."""
    chain: list[int] = []
    occ, emask, eg, ep = board.occ, board.emask, board.eg, board.ep
    node, here, there = start, a, b
    while True:
        f = occ[node][here]
        if f == FREE:
            return chain
        if f == FIXED or not (emask[f] >> there) & 1 or len(chain) >= MAX_CHAIN:
            return None
        chain.append(f)
        node = ep[f] if eg[f] == node else eg[f]
        here, there = there, here
