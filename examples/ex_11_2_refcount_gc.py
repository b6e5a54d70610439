"""Guide §11.2, reference counting and the garbage collector.

The text lives in :func:`pyhood._tour11.section_11_2`, shared with ``python -m pyhood tour``.
Run: ``python examples/ex_11_2_refcount_gc.py``
"""

from pyhood import _tour11


def main() -> None:
    _tour11.section_11_2()


if __name__ == "__main__":
    main()
