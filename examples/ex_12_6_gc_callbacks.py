"""Guide §12.6, watching the collector: ``gc.callbacks`` and ``pyhood.gc_watch()``.

Prints what ``pyhood.gc_watch()`` records around three explicit collections (one per
generation), around a collection of 2 000 objects caught in reference cycles, and around an
allocation loop that trips a small generation-0 threshold on its own; for each, the
generation, the time between the ``"start"`` and ``"stop"`` callbacks, and the collected and
uncollectable counts CPython passed to them, then the watch's summary.

The checks (``[ok]`` / ``[MISMATCH]``) compare the events with what does not go through the
watch: the generation given to ``gc.collect``, its return value (collected + uncollectable),
the number of objects the example put in cycles, and ``gc.callbacks`` before and after the
block. Thresholds and the enabled flag are restored at the end. Runs in well under a second.

The text lives in :func:`pyhood._tour.ch12.section_12_6`, shared with ``python -m pyhood tour``.
Run: ``python examples/ex_12_6_gc_callbacks.py``
"""

from pyhood._tour import ch12


def main() -> None:
    ch12.section_12_6()


if __name__ == "__main__":
    main()
