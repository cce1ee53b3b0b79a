"""Rendered page fragments kept per web process until the data they show changes.

A fragment is rendered for one page, event, locale and set of query arguments, together with
the version of the data it shows (matchmaker.services.versions), and for nobody in
particular: nothing that belongs to one request or reader (a CSRF token, the path to come
back to) goes into one. A fragment's buttons name a form outside it (HTML's ``form``
attribute), rendered on every view.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

from flask import current_app


class FragmentCache:
    """The last fragment rendered under each key, with the data version it was rendered
    from; a bounded number of keys, the least recently used dropped first."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._kept: OrderedDict[Hashable, tuple[Hashable, str]] = OrderedDict()
        self._rendering: dict[Hashable, threading.Lock] = {}
        self._lock = threading.Lock()

    def get(self, key: Hashable, version: Hashable, render: Callable[[], str]) -> str:
        """The fragment of ``key`` at ``version``: kept, or rendered now and kept. One
        request renders a key at a time; the others asking meanwhile wait for its text
        (twenty at once would each render it, and each wait for all twenty)."""
        kept = self._kept_at(key, version)
        if kept is not None:
            return kept
        with self._lock:
            rendering = self._rendering.setdefault(key, threading.Lock())
        with rendering:
            kept = self._kept_at(key, version)
            if kept is not None:  # rendered while this request waited
                return kept
            text = render()
            with self._lock:
                self._kept[key] = (version, text)
                self._kept.move_to_end(key)
                while len(self._kept) > self._size:
                    dropped, _ = self._kept.popitem(last=False)
                    self._rendering.pop(dropped, None)
        return text

    def _kept_at(self, key: Hashable, version: Hashable) -> str | None:
        with self._lock:
            kept = self._kept.get(key)
            if kept is not None and kept[0] == version:
                self._kept.move_to_end(key)
                return kept[1]
        return None


def fragment_cache(name: str, size: int = 32) -> FragmentCache:
    """The app's cache of the fragments called ``name`` (one per app: tests that build apps
    on fresh databases, where ids repeat, never see each other's fragments)."""
    caches = current_app.extensions.setdefault("matchmaker.fragments", {})
    if name not in caches:
        with _CREATING:
            caches.setdefault(name, FragmentCache(size))
    return caches[name]  # type: ignore[no-any-return]


_CREATING = threading.Lock()
