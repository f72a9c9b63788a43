"""Probing videos once when a dataset is built, so a broken file is skipped up front and never
met mid-epoch; results cached by (path, size, mtime) so the next build probes nothing."""
import hashlib
import json
import logging
import os
import os.path as osp
from typing import Dict, Iterable, Optional

from mmengine.logging import print_log

from finephys.utils.atomic_file import write_text_atomically

#: Bump when :func:`probe_video`'s verdicts change (old cache entries are then re-probed).
PROBE_VERSION = 1


def probe_video(path: str, full_decode: bool = True) -> dict:
    """Open ``path`` with PyAV, demux every packet, and decode every frame (``full_decode``;
    1.05 s for a 3 s 640×360 clip of noise — the worst case for a decoder — on 2 busy cores) or
    only the first (0.07 s).

    Returns:
        dict: ``ok`` (bool), ``reason`` (None, or why the file is unusable: ``'missing'``,
        ``'empty'``, ``'unreadable'``, ``'no_video_stream'``, ``'no_frame'``, ``'truncated'``),
        ``num_frames`` (packets of the video stream that carry a frame), ``width``, ``height``,
        ``fps``, ``error`` (the decoder's message, when any).

    A file is ``'truncated'`` when its container declares more frames than its packets hold, or
    (``full_decode``) when fewer frames decode than it has packets: a download cut short, or a
    corrupt packet mid-file.
    """
    out = dict(ok=False, reason=None, num_frames=0, width=None, height=None, fps=None,
               error=None)
    if not osp.isfile(path):
        return dict(out, reason='missing')
    if osp.getsize(path) == 0:
        return dict(out, reason='empty')
    import av
    try:
        with av.open(path) as container:
            if not container.streams.video:
                return dict(out, reason='no_video_stream')
            stream = container.streams.video[0]
            declared = int(stream.frames or 0)
            rate = stream.average_rate or stream.guessed_rate
            packets = [p for p in container.demux(stream) if p.size > 0]
        out.update(num_frames=len(packets), fps=float(rate) if rate else None)
        if not packets:
            return dict(out, reason='no_frame')
        if declared and len(packets) < declared:
            return dict(out, reason='truncated',
                        error=f'the container declares {declared} frames, holds {len(packets)}')
        with av.open(path) as container:
            stream = container.streams.video[0]
            frames = 0
            first = None
            for frame in container.decode(stream):
                first = frame if first is None else first
                frames += 1
                if not full_decode:
                    break
        if first is None:
            return dict(out, reason='no_frame')
        out.update(width=first.width, height=first.height)
        if full_decode:
            out['num_frames'] = frames
            if frames < len(packets):
                return dict(out, reason='truncated',
                            error=f'{len(packets)} packets decode to {frames} frames')
    except Exception as err:    # PyAV raises InvalidDataError, OSError, EOFError, ... per codec
        return dict(out, reason='unreadable', error=f'{type(err).__name__}: {err}')
    return dict(out, ok=True)


def default_probe_cache(folder: str) -> str:
    """Where probes of the videos in ``folder`` are cached: ``~/.cache/finephys/video_probe/
    <sha1 of the folder's absolute path>.json`` (data folders are often read-only)."""
    key = hashlib.sha1(osp.abspath(folder).encode()).hexdigest()[:16]
    return osp.join(osp.expanduser('~'), '.cache', 'finephys', 'video_probe', f'{key}.json')


class VideoProbeCache:
    """``{path: probe}`` persisted as JSON; an entry is valid while the file's size and
    modification time are those it was probed with.

    Args:
        cache_file (str, optional): JSON file (None: probe every time, remember nothing).
        full_decode (bool): See :func:`probe_video` (entries remember which kind they are).
    """

    def __init__(self, cache_file: Optional[str], full_decode: bool = True):
        self.cache_file, self.full_decode = cache_file, bool(full_decode)
        self.entries: Dict[str, dict] = {}
        self.num_probed = 0
        if cache_file and osp.isfile(cache_file):
            try:
                with open(cache_file, encoding='utf-8') as f:
                    data = json.load(f)
                if data.get('version') == PROBE_VERSION:
                    self.entries = dict(data.get('videos', {}))
            except (OSError, ValueError, AttributeError) as err:
                print_log(f'VideoProbeCache: ignoring unreadable cache {cache_file} ({err}); '
                          'probing again', logger='current', level=logging.WARNING)

    @staticmethod
    def stamp(path: str):
        st = os.stat(path)
        return [st.st_size, st.st_mtime_ns]

    def valid(self, entry: Optional[dict], path: str) -> bool:
        """Whether a cache entry still describes ``path`` (same size and mtime, probed at least
        as thoroughly)."""
        return (entry is not None and entry.get('stamp') == self.stamp(path)
                and (entry.get('full_decode', False) or not self.full_decode))

    def probe(self, path: str) -> dict:
        """The cached probe of ``path``, or a fresh one (then remembered)."""
        key = osp.abspath(path)
        if not osp.isfile(path):
            self.entries.pop(key, None)
            return probe_video(path, self.full_decode)
        entry = self.entries.get(key)
        if self.valid(entry, path):
            return entry['probe']
        result = probe_video(path, self.full_decode)
        self.num_probed += 1
        self.entries[key] = dict(stamp=self.stamp(path), full_decode=self.full_decode,
                                 probe=result)
        return result

    def probe_all(self, paths: Iterable[str], show_progress: bool = True) -> Dict[str, dict]:
        """Probe many files (progress bar when more than a few need probing), then save."""
        paths = list(paths)
        todo = [p for p in paths
                if osp.isfile(p) and not self.valid(self.entries.get(osp.abspath(p)), p)]
        if todo and show_progress and len(todo) > 8:
            from tqdm import tqdm
            for p in tqdm(todo, desc='probing videos', unit='video'):
                self.probe(p)
        out = {p: self.probe(p) for p in paths}
        self.save()
        return out

    def save(self) -> None:
        if not self.cache_file or not self.num_probed:
            return
        try:
            write_text_atomically(json.dumps(dict(version=PROBE_VERSION, videos=self.entries)),
                                  self.cache_file)
        except OSError as err:      # a read-only home: probing still worked, only not cached
            print_log(f'VideoProbeCache: cannot write {self.cache_file} ({err}); the probes '
                      'are not cached', logger='current', level=logging.WARNING)
