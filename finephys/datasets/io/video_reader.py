"""Streaming video input: frames in bounded memory, one clear error for an unreadable file."""
import logging
import os.path as osp

import numpy as np

logger = logging.getLogger('finephys')

VIDEO_EXTENSIONS = ('.mp4', '.avi', '.mov', '.mkv', '.webm', '.gif', '.m4v')


class VideoReader:
    """Decode a video with PyAV chunk by chunk (a 4K or hour-long video never sits in memory).

    Args:
        path (str): Video file.

    Attributes:
        fps (float), width, height (int), num_frames (int | None: the container's count, may be
        absent), decode_errors (int: 1 when decoding stopped early at a corrupt packet; the frames
        before it are kept and a warning names the file and frame).

    Raises:
        ValueError: missing file, not a video, no video stream, or no decodable frame.
    """

    def __init__(self, path: str):
        import av
        self.path = path
        if not osp.isfile(path):
            raise ValueError(f'{path}: video not found')
        if osp.getsize(path) == 0:
            raise ValueError(f'{path}: empty file (0 bytes), not a video')
        try:
            with av.open(path) as container:
                streams = list(container.streams.video)
                if streams:
                    stream = streams[0]
                    rate = stream.average_rate or stream.guessed_rate
                    self.fps = float(rate) if rate else 30.0
                    self.num_frames = int(stream.frames) or None
                    first = next(container.decode(stream), None)
        except Exception as err:     # PyAV: InvalidDataError (a ValueError too), OSError, ...
            raise ValueError(f'{path}: cannot read video ({type(err).__name__}: {err})') from err
        if not streams:
            raise ValueError(f'{path}: no video stream in the file')
        if first is None:
            raise ValueError(f'{path}: the video has no decodable frame')
        self.width, self.height = first.width, first.height
        self.decode_errors = 0

    def chunks(self, size: int = 64, channel_order: str = 'rgb', reuse_buffer: bool = False,
               num_buffers: int = 1):
        """Yield ``(t, H, W, 3)`` uint8 chunks of at most ``size`` frames, ``'rgb'`` or
        ``'bgr'`` (converted by the decoder's own colour conversion, at no extra cost).

        ``reuse_buffer``: every chunk is a view of one of ``num_buffers`` preallocated arrays,
        used in turn — chunk ``k`` is overwritten while chunk ``k + num_buffers`` is decoded;
        for consumers that are done with a chunk by then (writing into memory already mapped is
        ~5× faster than stacking into a fresh array at 1080p)."""
        if channel_order not in ('rgb', 'bgr'):
            raise ValueError(f"VideoReader.chunks: channel_order={channel_order!r} (expected "
                             "'rgb' or 'bgr')")
        if num_buffers < 1:
            raise ValueError(f'VideoReader.chunks: num_buffers={num_buffers}; expected >= 1')
        fmt = f'{channel_order}24'
        import av
        buf = []
        count = 0
        outs, turn = [None] * num_buffers, 0
        with av.open(self.path) as container:
            stream = container.streams.video[0]
            stream.thread_type = 'AUTO'
            frames = container.decode(stream)
            while True:
                try:
                    frame = next(frames)
                except StopIteration:
                    break
                except Exception as err:    # a corrupt packet mid-file: keep what decoded
                    self.decode_errors += 1
                    logger.warning(f'{self.path}: decoding stopped at frame {count} '
                                   f'({type(err).__name__}: {err}); using the {count} frames '
                                   'before it')
                    break
                buf.append(frame.to_ndarray(format=fmt))
                count += 1
                if len(buf) == size:
                    out = self.pack(buf, outs[turn] if reuse_buffer else None)
                    if reuse_buffer:
                        outs[turn], turn = out, (turn + 1) % num_buffers
                    yield out
                    buf = []
        if buf:
            yield self.pack(buf, outs[turn] if reuse_buffer else None)

    @staticmethod
    def pack(frames, out=None):
        """Stack ``frames`` into ``out[:len(frames)]`` (a new array when ``out`` is None or of
        another frame size)."""
        if out is None or out.shape[1:] != frames[0].shape or len(out) < len(frames):
            return np.stack(frames)
        for i, f in enumerate(frames):
            out[i] = f
        return out[:len(frames)]


def read_video(path: str, channel_order: str = 'rgb') -> np.ndarray:
    """Every frame of a (short) video, ``(T, H, W, 3)`` uint8, through :class:`VideoReader` (one
    decoder for the whole project). For clips that fit in memory — long videos go through
    :meth:`VideoReader.chunks`.

    Raises:
        ValueError: missing file, not a video, no video stream, or no decodable frame.
    """
    return np.concatenate(list(VideoReader(path).chunks(256, channel_order=channel_order)))
