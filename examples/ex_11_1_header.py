"""Guide §11.1, the PyObject revisited: the header is the unit of memory management.

The text lives in :func:`pyhood._tour11.section_11_1`, shared with ``python -m pyhood tour``.
Run: ``python examples/ex_11_1_header.py``
"""

from pyhood import _tour11


def main() -> None:
    _tour11.section_11_1()


if __name__ == "__main__":
    main()
