"""Guide §11.3, identity, caching and reuse.

The text lives in :func:`pyhood._tour.ch11.section_11_3`, shared with ``python -m pyhood tour``.
Run: ``python examples/ex_11_3_identity.py``
"""

from pyhood._tour import ch11


def main() -> None:
    ch11.section_11_3()


if __name__ == "__main__":
    main()
