"""``estimate_video_2d`` estimates camera motion on a second thread, one chunk behind the 2D,
and decodes one chunk ahead on another (``DecodeAhead``): the result is the serial one bit for
bit, a pan is recovered, a chunk stays intact until the next is asked for, and errors in either
thread reach the caller."""
import threading

import numpy as np
import pytest

from finephys.datasets.io import DecodeAhead, VideoReader, estimate_video_2d
from finephys.visualization import write_video


def _panning_video(path, n=24, w=192, h=144, shift=2):
    rng = np.random.default_rng(0)
    texture = (rng.random((h + 8, w + n * shift + 8)) * 255).astype(np.uint8)
    texture = np.repeat(np.repeat(texture[::4, ::4], 4, 0), 4, 1)[:h + 8, :w + n * shift + 8]
    frames = [np.repeat(texture[4:4 + h, 4 + i * shift:4 + i * shift + w, None], 3, 2)
              for i in range(n)]
    write_video(str(path), np.stack(frames), fps=30)


def _still_person(frames):
    """A person standing at the same pixels in every frame (our estimator interface)."""
    t = len(frames)
    kp = np.tile(np.stack([np.linspace(80, 110, 17), np.linspace(40, 120, 17)], -1), (t, 1, 1))
    return kp, np.ones((t, 17))


def test_overlapped_camera_motion_equals_the_serial_order(tmp_path):
    video = tmp_path / 'pan.mp4'
    _panning_video(video)
    serial = estimate_video_2d(str(video), _still_person, chunk_size=5, show_progress=False,
                               overlap_camera_motion=False)
    overlap = estimate_video_2d(str(video), _still_person, chunk_size=5, show_progress=False,
                                overlap_camera_motion=True)
    assert np.array_equal(serial['camera_motion'], overlap['camera_motion'])
    assert np.array_equal(serial['keypoints_2d'], overlap['keypoints_2d'])
    # the camera pans right by 2 px a frame: frame t's pixels sit 2t px right in frame 0's
    shift = overlap['camera_motion'][:, 0, 2]
    assert overlap['camera_motion'].shape == (24, 3, 3)
    np.testing.assert_allclose(shift, 2.0 * np.arange(24), atol=1.5)


def test_an_error_in_the_camera_thread_reaches_the_caller(tmp_path):
    video = tmp_path / 'pan.mp4'
    _panning_video(video, n=12)

    def wrong_joints(frames):               # 16 joints: the camera motion's mask fails
        kp, sc = _still_person(frames)
        return kp[:, :16], sc[:, :16]

    # raised inside the camera thread (the bone mask indexes joint 16), re-raised here
    with pytest.raises(IndexError, match='index 16 is out of bounds'):
        estimate_video_2d(str(video), wrong_joints, chunk_size=4, show_progress=False)


def _numbered_video(path, n=23):
    """Frame i is a flat grey of level 10 i (codec-proof: flat frames survive compression)."""
    frames = np.stack([np.full((32, 48, 3), 10 * i, np.uint8) for i in range(n)])
    write_video(str(path), frames, fps=30)
    return frames


def test_chunks_ahead_equal_the_readers_and_stay_intact_until_the_next(tmp_path):
    path = tmp_path / 'numbered.mp4'
    _numbered_video(path)
    reader = VideoReader(str(path))
    plain = [c.copy() for c in reader.chunks(5, 'bgr')]
    seen = []
    with DecodeAhead(VideoReader(str(path)), 5, 'bgr') as chunks:
        for chunk in chunks:
            first = chunk.copy()
            # give the decoder time to run ahead: it may fill the other buffer, never this one
            threading.Event().wait(0.05)
            np.testing.assert_array_equal(chunk, first)
            seen.append(first)
    assert [len(c) for c in seen] == [5, 5, 5, 5, 3]
    for a, b in zip(plain, seen):
        np.testing.assert_array_equal(a, b)
    levels = np.concatenate(seen)[:, 0, 0, 0].astype(int)
    np.testing.assert_allclose(levels, 10 * np.arange(23), atol=3)
    with pytest.raises(ValueError, match='num_buffers'):
        next(reader.chunks(5, num_buffers=0))


def test_leaving_early_stops_the_decoder_and_a_second_iteration_is_refused(tmp_path):
    path = tmp_path / 'numbered.mp4'
    _numbered_video(path)
    before = threading.active_count()
    ahead = DecodeAhead(VideoReader(str(path)), 2, 'rgb')
    with ahead:
        for i, _ in enumerate(ahead):
            if i == 1:
                break
    assert not ahead._thread.is_alive() and threading.active_count() == before
    with pytest.raises(RuntimeError, match='iterate once'):
        next(iter(ahead))


def test_a_decoding_error_reaches_the_consumer(tmp_path):
    path = tmp_path / 'numbered.mp4'
    _numbered_video(path)
    with pytest.raises(ValueError, match='channel_order'):
        with DecodeAhead(VideoReader(str(path)), 4, 'yuv') as chunks:
            list(chunks)


def test_estimate_video_2d_decoding_ahead_equals_the_serial_order(tmp_path):
    video = tmp_path / 'pan.mp4'
    _panning_video(video)
    serial = estimate_video_2d(str(video), _still_person, chunk_size=5, show_progress=False,
                               decode_ahead=False, overlap_camera_motion=False)
    ahead = estimate_video_2d(str(video), _still_person, chunk_size=5, show_progress=False,
                              decode_ahead=True)
    for key in ('camera_motion', 'keypoints_2d', 'keypoints_2d_image', 'scores'):
        assert np.array_equal(serial[key], ahead[key]), key
