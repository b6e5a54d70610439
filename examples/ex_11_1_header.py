"""Guide §11.1, the PyObject revisited: the header is the unit of memory management.

The text lives in :func:`pyhood._tour.ch11.section_11_1`, shared with ``python -m pyhood tour``.
Run: ``python examples/ex_11_1_header.py``
"""

from pyhood._tour import ch11


def main() -> None:
    ch11.section_11_1()


if __name__ == "__main__":
    main()
