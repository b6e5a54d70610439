"""Guide §11.4, weak references.

The text lives in :func:`pyhood._tour.ch11.section_11_4`, shared with ``python -m pyhood tour``.
Run: ``python examples/ex_11_4_weakrefs.py``
"""

from pyhood._tour import ch11


def main() -> None:
    ch11.section_11_4()


if __name__ == "__main__":
    main()
