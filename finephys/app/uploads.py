"""What the web app does with a user's files: one temporary folder per browser session (removed
when the session ends), and a video upload checked before any work starts."""
import os
import os.path as osp
import re
import shutil
import tempfile
import threading
from typing import Optional

from finephys.datasets.io import VIDEO_EXTENSIONS
from finephys.datasets.io.video_probe import probe_video


class UploadError(ValueError):
    """An upload the app cannot use; the message is written for the page."""


#: Readable reasons for :func:`~finephys.datasets.io.video_probe.probe_video`'s verdicts.
_PROBE_REASONS = dict(
    missing='the file did not arrive',
    empty='the file is empty (0 bytes)',
    unreadable='the file is not a video that can be decoded',
    no_video_stream='the file has no video stream',
    no_frame='the video has no frames (0 decodable frames)',
    truncated='the video is cut short (its container promises more frames than it holds)')


def safe_stem(name: str, default: str = 'video') -> str:
    """A file-name stem made of letters, digits, ``-`` and ``_`` (for output names)."""
    stem = re.sub(r'[^A-Za-z0-9_-]+', '_', osp.splitext(osp.basename(name or ''))[0]).strip('_')
    return stem[:64] or default


def check_video_upload(path: Optional[str], max_bytes: int, name: Optional[str] = None) -> dict:
    """Check an uploaded video before any work: present, not empty, at most ``max_bytes``, a
    video extension, decodable, at least one frame.

    Args:
        path (str | None): The uploaded file.
        max_bytes (int): The app's size limit.
        name (str, optional): The name the user knows the file by (default its base name).

    Returns:
        dict: :func:`~finephys.datasets.io.video_probe.probe_video`'s record (``width``,
        ``height``, ``fps``, ``num_frames``).

    Raises:
        UploadError: what is wrong, in words, naming the file.
    """
    if not path:
        raise UploadError('No video was given: upload one (or pick the example clip).')
    name = name or osp.basename(path)
    if not osp.isfile(path):
        raise UploadError(f'{name}: the file did not arrive; upload it again.')
    size = osp.getsize(path)
    if size > max_bytes:
        raise UploadError(f'{name}: {size / 2 ** 20:.1f} MB is larger than this app\'s limit of '
                          f'{max_bytes / 2 ** 20:.0f} MB (tools/app.py --max-upload-mb).')
    ext = osp.splitext(path)[1].lower()
    if ext not in VIDEO_EXTENSIONS:
        raise UploadError(f'{name}: "{ext or "no extension"}" is not a video type this app '
                          f'reads ({", ".join(VIDEO_EXTENSIONS)}).')
    info = probe_video(path, full_decode=False)
    if not info['ok'] or not info['num_frames']:
        reason = info['reason'] or 'no_frame'
        if reason == 'unreadable' and str(info.get('error')).startswith('EOFError'):
            # the container ends before the decoder has seen one frame: a 0-frame video
            reason = 'no_frame'
        # the decoder's words, without the server's path
        detail = f' ({info["error"]})'.replace(path, name) if info.get('error') else ''
        raise UploadError(f'{name}: {_PROBE_REASONS.get(reason, reason)}{detail}.')
    return info


class SessionFolders:
    """One temporary folder per browser session under ``root``; :meth:`remove` when the session
    ends, :meth:`close` removes them all (the app shutting down).

    Args:
        root (str, optional): Parent folder (default: a new temporary folder).
        upload_root (str, optional): The web framework's upload folder: only files under it
            are ever deleted as a session's uploads.
    """

    def __init__(self, root: Optional[str] = None, upload_root: Optional[str] = None):
        self.root = root or tempfile.mkdtemp(prefix='finephys-app-')
        self.upload_root = None if upload_root is None else osp.abspath(upload_root)
        os.makedirs(self.root, exist_ok=True)
        self._lock = threading.Lock()
        self._runs = {}
        self._uploads = {}

    def folder(self, session: str) -> str:
        """The session's folder (created on first use)."""
        path = osp.join(self.root, safe_stem(session, 'anonymous'))
        os.makedirs(path, exist_ok=True)
        return path

    def new_run(self, session: str) -> str:
        """A fresh sub-folder of the session's folder for one run (``run-1``, ``run-2``...)."""
        with self._lock:
            n = self._runs[session] = self._runs.get(session, 0) + 1
        path = osp.join(self.folder(session), f'run-{n}')
        os.makedirs(path, exist_ok=True)
        return path

    def is_upload(self, path: str) -> bool:
        """Whether ``path`` lies under ``upload_root`` (a file the web framework received from a
        browser)."""
        if self.upload_root is None or not path:
            return False
        path = osp.realpath(path)
        root = osp.realpath(self.upload_root)
        return osp.commonpath([path, root]) == root

    def track_upload(self, session: str, path: Optional[str]) -> None:
        """Remember a file the session uploaded (the web framework's own copy of it, under
        ``upload_root``; other paths are ignored), to delete with the session."""
        if not self.is_upload(path):
            return
        path = osp.abspath(path)
        with self._lock:
            self._uploads.setdefault(session, set()).add(path)

    def remove(self, session: str) -> None:
        """Delete the session's folder and everything in it, and the uploads it sent (not one
        that another live session uploaded too: the framework stores equal files once)."""
        with self._lock:
            self._runs.pop(session, None)
            uploads = self._uploads.pop(session, set())
            uploads -= set().union(*self._uploads.values()) if self._uploads else set()
        shutil.rmtree(osp.join(self.root, safe_stem(session, 'anonymous')), ignore_errors=True)
        for path in uploads:
            try:
                os.remove(path)
                os.rmdir(osp.dirname(path))      # the framework's per-file folder, when empty
            except OSError:
                pass

    def close(self) -> None:
        """Delete every session's folder and the root."""
        shutil.rmtree(self.root, ignore_errors=True)
