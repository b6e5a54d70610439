"""Guide §12.4, generations and thresholds: the collector's state, read from memory.

Prints ``pyhood.gc_generations()``: for generations 0, 1, 2 the threshold, the count and the
number of objects on the generation's list (walked natively), and the permanent generation of
``gc.freeze()``. Then it allocates 1 000 containers and shows them arrive in generation 0
(its count and its list both grow by 1 000), runs a full collection and shows every survivor
moved to generation 2, freezes everything into the permanent generation, and changes the
thresholds.

The checks (``[ok]`` / ``[MISMATCH]``) compare pyhood with the ``gc`` module:
``gc.get_threshold()``, ``gc.get_count()``, ``len(gc.get_objects(generation=i))`` and
``gc.get_freeze_count()``. Automatic collection is off while it runs, so that only the
example's own allocations move the numbers; everything is restored at the end. Runs in well
under a second.

The text lives in :func:`pyhood._tour.ch12.section_12_4`, shared with ``python -m pyhood tour``.
Run: ``python examples/ex_12_4_gc_thresholds.py``
"""

from pyhood._tour import ch12


def main() -> None:
    ch12.section_12_4()


if __name__ == "__main__":
    main()
