"""Guide §11.6, stack frames and exceptions.

The text lives in :func:`pyhood._tour.ch11.section_11_6`, shared with ``python -m pyhood tour``.
Run: ``python examples/ex_11_6_frames.py``
"""

from pyhood._tour import ch11


def main() -> None:
    ch11.section_11_6()


if __name__ == "__main__":
    main()
