"""The input step's one home: reading videos (decode, probe), skeleton files (npz / PYSKL pkl /
json, through the restricted unpickler), a video's 2D pose (``estimate_video_2d``), the model's 2D
input (``read_skeleton_input``), keypoint checks and boxes.

It sits in ``datasets`` — the layer that reads every file format — below ``models``,
``evaluation`` and ``apis``, and imports none of them: a pose estimator reaches it as a callable,
so inference (``apis``), metrics (``evaluation``) and dataset converters share one path without
a circle (docs/architecture.md).
"""
from .decode_ahead import DecodeAhead
from .keypoints import check_keypoints, keypoint_box
from .skeleton_files import (SkeletonFileError, guess_joint_layout, load_skeleton_file,
                             read_pyskl_annotations)
from .skeleton_input import is_video_file, read_skeleton_input
from .video_2d import estimate_video_2d
from .video_probe import PROBE_VERSION, VideoProbeCache, default_probe_cache, probe_video
from .video_reader import VIDEO_EXTENSIONS, VideoReader, read_video

__all__ = ['check_keypoints', 'keypoint_box', 'SkeletonFileError', 'guess_joint_layout',
           'load_skeleton_file', 'read_pyskl_annotations', 'is_video_file',
           'read_skeleton_input', 'estimate_video_2d', 'PROBE_VERSION', 'VideoProbeCache',
           'default_probe_cache', 'probe_video', 'VIDEO_EXTENSIONS', 'VideoReader', 'read_video',
           'DecodeAhead']
