"""Guide §11.6, stack frames and exceptions.

The text lives in :func:`pyhood._tour11.section_11_6`, shared with ``python -m pyhood tour``.
Run: ``python examples/ex_11_6_frames.py``
"""

from pyhood import _tour11


def main() -> None:
    _tour11.section_11_6()


if __name__ == "__main__":
    main()
