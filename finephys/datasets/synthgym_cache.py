"""On-disk SynthGym cache: one ``.npz`` per clip (+ ``.mp4`` when rendered) and ``index.json``.

Layout::

    <root>/<split>/index.json        {"settings": {...}, "samples": [{"file", "action", "seed",
                                       "label", "video"}, ...]}
    <root>/<split>/000000.npz         arrays of generate_clip (keypoints, camera, contacts, ...)
    <root>/<split>/000000.mp4         the rendered video (H.264, crf 12) when rendering
"""
import json
import os
import os.path as osp

import numpy as np

CACHE_INDEX = 'index.json'
_ARRAY_KEYS = ('keypoints_3d', 'keypoints_3d_world', 'keypoints_2d', 'keypoint_scores',
               'keypoints_2d_clean', 'visibility', 'contacts', 'flight', 'com', 'com_world',
               'masses')
_CAMERA_KEYS = ('K', 'R', 't', 'gravity')


def generation_settings(num_frames, fps, render_size, image_size, noise, seed):
    """The settings a cache must match (JSON-comparable). ``head_2d``: the 2D's head is the
    estimator's (nose tip, mid-ear; caches written before it had the head's axis and are
    regenerated)."""
    return dict(num_frames=int(num_frames), fps=float(fps), head_2d='estimator',
                render_size=None if render_size is None else int(render_size),
                image_size=int(image_size), seed=int(seed),
                # a bias of 0 draws nothing (KeypointNoise): such clips equal those made before
                # the option existed, and so do their caches
                noise={k: (list(v) if isinstance(v, tuple) else v) for k, v in noise.items()
                       if not (k == 'bias' and v == 0)})


def save_cached_clip(path, clip):
    """Write a clip (from ``generate_clip``) to ``path`` (.npz) and its video beside it."""
    arrays = {k: clip[k] for k in _ARRAY_KEYS}
    arrays.update({f'camera_{k}': clip['camera'][k] for k in _CAMERA_KEYS})
    arrays['image_size'] = np.asarray(clip['camera']['image_size'])
    arrays['noise_dropout_mask'] = clip['noise']['dropout_mask']
    arrays['noise_swap_mask'] = clip['noise']['swap_mask']
    meta = dict(label=clip['label'], action=clip['action'], subset=clip['subset'],
                text=clip['text'], description=clip['description'], fps=clip['fps'],
                stature=clip['stature'], view=clip['camera']['view'],
                meta={k: v for k, v in clip['meta'].items()
                      if isinstance(v, (int, float, str, list))})
    arrays['meta_json'] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    tmp = path + '.tmp.npz'
    np.savez_compressed(tmp, **arrays)
    os.replace(tmp, path)  # atomic: a killed run never leaves a half-written clip
    video_path = None
    if clip.get('video') is not None:
        import imageio.v3 as iio
        video_path = osp.splitext(path)[0] + '.mp4'
        tmp_v = video_path + '.tmp.mp4'
        iio.imwrite(tmp_v, clip['video'], fps=clip['fps'], codec='libx264',
                    pixelformat='yuv444p', output_params=['-crf', '12'], macro_block_size=1)
        os.replace(tmp_v, video_path)
    return video_path


def load_cached_clip(path):
    """Read a clip written by :func:`save_cached_clip` (same fields as ``generate_clip``)."""
    with np.load(path) as z:
        clip = {k: z[k] for k in _ARRAY_KEYS}
        camera = {k: z[f'camera_{k}'] for k in _CAMERA_KEYS}
        camera['image_size'] = tuple(int(v) for v in z['image_size'])
        noise = dict(dropout_mask=z['noise_dropout_mask'], swap_mask=z['noise_swap_mask'])
        meta = json.loads(bytes(z['meta_json']).decode())
    camera['view'] = meta.pop('view')
    clip.update(meta)
    clip['camera'] = camera
    clip['noise'] = noise
    video_path = osp.splitext(path)[0] + '.mp4'
    clip['video'] = None
    if osp.isfile(video_path):
        import imageio.v3 as iio
        clip['video'] = np.asarray(iio.imread(video_path, plugin='pyav'))
    return clip
