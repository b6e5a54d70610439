"""Guide §11.2, reference counting and the garbage collector.

The text lives in :func:`pyhood._tour.ch11.section_11_2`, shared with ``python -m pyhood tour``.
Run: ``python examples/ex_11_2_refcount_gc.py``
"""

from pyhood._tour import ch11


def main() -> None:
    ch11.section_11_2()


if __name__ == "__main__":
    main()
