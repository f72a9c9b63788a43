"""Where a training clip's motion comes from, as one integer.

An in-context lifter is prompted with (2D, 3D) pairs from a pool of training clips. While it
trains, a clip must never be prompted with its own motion: its prompt's 3D would be its own
answer (for mocap, any window of the same capture overlaps or neighbours the query's). Every
dataset item therefore carries ``source_id``, a stable integer naming its motion — one SynthGym
performance (``synthgym/seed<S>/<split>/<index>``: camera and noise are redrawn every epoch, the
motion is not), or one capture of a 3D file (its ``names`` entry, e.g. ``deepmimic/crawl``: all
windows of a capture share it) — and the pool keeps the ``source_id`` of each entry
(:class:`~finephys.datasets.skeleton_pool.SkeletonPool`), so the lifter can leave a query's own
source out (:meth:`~finephys.models.lifters.in_context_lifter.InContextLifter.select_prompts`).
"""
import zlib

#: ``source_id`` of a clip whose source is not known (never excluded).
UNKNOWN_SOURCE = -1


def source_id(name: str) -> int:
    """The stable, non-negative integer of a source name (CRC-32: the same in every process
    and every run, unlike Python's ``hash``).

    Args:
        name (str): e.g. ``'deepmimic/crawl'``.

    Returns:
        int: in ``[0, 2**32)``.
    """
    return zlib.crc32(str(name).encode('utf-8'))
