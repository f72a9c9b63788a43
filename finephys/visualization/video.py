"""Video writing (mp4 via ffmpeg, gif via imageio) and frame grids."""
import os
import os.path as osp

import numpy as np


def write_video(path, frames, fps=30.0):
    """Write ``(T, H, W, 3)`` uint8 RGB frames to ``.mp4`` (H.264) or ``.gif``."""
    import imageio.v3 as iio
    frames = np.asarray(frames)
    if frames.ndim != 4 or frames.shape[-1] != 3 or frames.dtype != np.uint8:
        raise ValueError(f'write_video({path}): expected (T, H, W, 3) uint8 frames, got '
                         f'{frames.shape} {frames.dtype}')
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    ext = osp.splitext(path)[1].lower()
    if ext == '.gif':
        iio.imwrite(path, frames, duration=1000.0 / fps, loop=0)
    elif ext == '.mp4':
        # H.264 in yuv420p needs even width and height: pad odd sizes by one edge pixel
        pad_h, pad_w = frames.shape[1] % 2, frames.shape[2] % 2
        if pad_h or pad_w:
            frames = np.pad(frames, ((0, 0), (0, pad_h), (0, pad_w), (0, 0)), mode='edge')
        iio.imwrite(path, frames, fps=fps, codec='libx264', macro_block_size=1,
                    pixelformat='yuv420p', output_params=['-crf', '18'])
    else:
        raise ValueError(f'write_video({path}): unsupported extension {ext!r}; use .mp4 or .gif')
    return path


def tile_videos(videos, columns):
    """Tile equally-sized videos ``[(T, H, W, 3), ...]`` into one grid video."""
    t = min(len(v) for v in videos)
    h, w = videos[0].shape[1:3]
    rows = -(-len(videos) // columns)
    grid = np.zeros((t, rows * h, columns * w, 3), np.uint8)
    for i, v in enumerate(videos):
        r, c = divmod(i, columns)
        grid[:, r * h:(r + 1) * h, c * w:(c + 1) * w] = v[:t]
    return grid


class VideoWriter:
    """Write frames one at a time to an ``.mp4`` (H.264, yuv420p) — bounded memory for long
    videos. Use as a context manager; :meth:`write` takes ``(H, W, 3)`` uint8 RGB."""

    def __init__(self, path, fps=30.0):
        if osp.splitext(path)[1].lower() != '.mp4':
            raise ValueError(f'VideoWriter({path}): only .mp4 is streamed')
        os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
        self.path, self.fps, self.container, self.stream = path, float(fps), None, None

    def __enter__(self):
        import av
        self.container = av.open(self.path, 'w')
        return self

    def write(self, frame):
        import av
        frame = np.asarray(frame)
        if frame.ndim != 3 or frame.shape[-1] != 3 or frame.dtype != np.uint8:
            raise ValueError(f'VideoWriter({self.path}): expected (H, W, 3) uint8, got '
                             f'{frame.shape} {frame.dtype}')
        pad_h, pad_w = frame.shape[0] % 2, frame.shape[1] % 2     # yuv420p: even sizes
        if pad_h or pad_w:
            frame = np.pad(frame, ((0, pad_h), (0, pad_w), (0, 0)), mode='edge')
        if self.stream is None:
            from fractions import Fraction
            self.stream = self.container.add_stream(
                'libx264', rate=Fraction(self.fps).limit_denominator(1001))
            self.stream.width, self.stream.height = frame.shape[1], frame.shape[0]
            self.stream.pix_fmt = 'yuv420p'
            self.stream.options = {'crf': '18'}
        for packet in self.stream.encode(av.VideoFrame.from_ndarray(frame, format='rgb24')):
            self.container.mux(packet)

    def __exit__(self, *exc):
        if self.stream is not None:
            for packet in self.stream.encode():
                self.container.mux(packet)
        self.container.close()
        return False
