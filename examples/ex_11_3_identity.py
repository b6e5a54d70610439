"""Guide §11.3, identity, caching and reuse.

The text lives in :func:`pyhood._tour11.section_11_3`, shared with ``python -m pyhood tour``.
Run: ``python examples/ex_11_3_identity.py``
"""

from pyhood import _tour11


def main() -> None:
    _tour11.section_11_3()


if __name__ == "__main__":
    main()
