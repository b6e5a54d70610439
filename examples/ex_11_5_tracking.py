"""Guide §11.5, memory usage tracking.

Measures blocks of code with ``pyhood.track()``: pymalloc blocks per size class and arenas,
the collector's counts and collections (shown next to ``gc.get_stats()`` and the
``gc.DEBUG_STATS`` log the collector writes to stderr), and, while tracemalloc traces, the
lines whose memory grew, next to tracemalloc's own snapshot comparison.

The text lives in :func:`pyhood._tour.ch11.section_11_5`, shared with ``python -m pyhood
tour``. Run: ``python examples/ex_11_5_tracking.py``
"""

from pyhood._tour import ch11


def main() -> None:
    ch11.section_11_5()


if __name__ == "__main__":
    main()
