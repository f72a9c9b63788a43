"""``estimate_video_2d`` estimates camera motion on a second thread, one chunk behind the 2D:
the result is the serial one bit for bit, a pan is recovered, and an error in the camera thread
reaches the caller."""
import numpy as np
import pytest

from finephys.datasets.io import estimate_video_2d
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
