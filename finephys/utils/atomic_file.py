"""Atomic file writes: a kill (SIGKILL, preemption, power loss) during a write leaves the old
file or the new one, never half of one.

:class:`AtomicLocalBackend` is mmengine's local file backend with atomic ``put`` /
``put_text``, registered as backend ``'atomic_local'``: ``backend_args=dict(backend=
'atomic_local')`` makes mmengine's checkpoint saving (``runner.save_checkpoint`` →
``mmengine.runner.checkpoint.save_checkpoint`` → ``backend.put``) atomic without patching it.
"""
import os
import os.path as osp
from pathlib import Path
from typing import Union

from mmengine.fileio import LocalBackend, register_backend


def write_bytes_atomically(data: bytes, path: Union[str, Path]) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder, fsync'ed, then
    ``os.replace`` d over ``path`` (atomic on POSIX and Windows). The folder is created."""
    path = str(path)
    folder = osp.dirname(osp.abspath(path))
    os.makedirs(folder, exist_ok=True)
    tmp = osp.join(folder, f'.{osp.basename(path)}.tmp-{os.getpid()}')
    try:
        with open(tmp, 'wb') as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        if osp.exists(tmp):
            os.remove(tmp)
    try:  # make the rename itself durable
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError:
        pass


def write_text_atomically(text: str, path: Union[str, Path], encoding: str = 'utf-8') -> None:
    """:func:`write_bytes_atomically` for text."""
    write_bytes_atomically(text.encode(encoding), path)


class AtomicLocalBackend(LocalBackend):
    """mmengine's :class:`~mmengine.fileio.LocalBackend` whose writes are atomic."""

    def put(self, obj: bytes, filepath: Union[str, Path]) -> None:
        write_bytes_atomically(obj, filepath)

    def put_text(self, obj: str, filepath: Union[str, Path], encoding: str = 'utf-8') -> None:
        write_text_atomically(obj, filepath, encoding)


register_backend('atomic_local', AtomicLocalBackend, force=True)
