"""Guide §12.5, optimizing long-running processes.

Runs the same stretch of work under two generation-0 thresholds and prints the collections
``pyhood.gc_watch()`` saw next to ``gc.get_stats()``, the pymalloc blocks a batch of live
floats keeps (``pyhood.obmalloc_stats()``), and what ``tracemalloc`` traces for them.

The text lives in :func:`pyhood._tour.ch12.section_12_5`, shared with ``python -m pyhood tour``.
Run: ``python examples/ex_12_5_long_running.py``
"""

from pyhood._tour import ch12


def main() -> None:
    ch12.section_12_5()


if __name__ == "__main__":
    main()
