"""Pausing Python's cyclic garbage collector around work that builds many objects at once."""

import contextlib
import gc


@contextlib.contextmanager
def cyclic_gc_paused():
    """Pause the cyclic garbage collector for the block, then resume it as it was.

    Work that builds a great many small objects that stay alive until it ends (a chunk of the
    demo's interviews, the boxes of a PDF being laid out) makes the collector go through the
    whole heap again and again for nothing: a third of the time of the national data set, and
    about a third of a synthesis' rendering. Reference counting still frees memory as usual, and
    the few cycles left are collected once the collector runs again.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
