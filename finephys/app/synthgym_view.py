"""The web app's SynthGym tab, free of any web framework: render one SynthGym performance and show
its 3D and its physics (flights, the centre of mass's parabola, the fitted gravity)."""
import os.path as osp

import numpy as np

from finephys.datasets.synthgym import generate_clip, list_actions
from finephys.visualization import write_video

from .figures import com_height_figure, skeleton_3d_figure
from .uploads import UploadError, safe_stem

#: Camera choices of the tab (SynthGym's broadcast views; ``random`` draws one from the seed).
CAMERAS = ('side', 'diagonal', 'random')


def render_synthgym(action: str, seed: int, camera: str, out_dir: str, size: int = 256) -> dict:
    """Render one SynthGym performance (the whole element) and its figures.

    Args:
        action (str): A SynthGym action (:func:`~finephys.datasets.synthgym.list_actions`).
        seed (int): Sample seed (same seed, same performance).
        camera (str): One of :data:`CAMERAS`.
        out_dir (str): Where the video goes.
        size (int): Rendered frame side (pixels).

    Returns:
        dict: ``video`` (mp4 path), ``clip`` (:func:`generate_clip`'s dict),
        ``figures`` (``skeleton``, ``com``), ``fits`` (per flight: fitted ``g``),
        ``summary`` (markdown).

    Raises:
        UploadError: an unknown action or camera, or a negative seed.
    """
    if action not in list_actions():
        raise UploadError(f'unknown SynthGym element {action!r}')
    if camera not in CAMERAS:
        raise UploadError(f'camera {camera!r}: expected one of {CAMERAS}')
    if seed is None or int(seed) != seed or seed < 0:
        raise UploadError(f'seed {seed!r}: expected an integer >= 0')
    clip = generate_clip(action, int(seed), render_size=size,
                         view=None if camera == 'random' else camera)
    fps = float(clip['fps'])
    path = osp.join(out_dir, f'synthgym_{safe_stem(action)}_{int(seed)}.mp4')
    write_video(path, clip['video'], fps)
    # the camera's own gravity (SynthGym knows it): up is against it
    gravity = np.asarray(clip['camera']['gravity'], np.float64).reshape(-1, 3)[0]
    up = -gravity / np.linalg.norm(gravity)
    flight = np.asarray(clip['flight'], bool)
    com, fits = com_height_figure(dict(ground_truth=clip['keypoints_3d']), fps, flight=flight,
                                  up=up, true_g=float(np.linalg.norm(gravity)))
    skeleton = skeleton_3d_figure(clip['keypoints_3d'], fps, title=f'{action} (seed {seed})')
    lines = [f'**{action}** ({clip["subset"]}), seed {int(seed)}, {camera} camera: '
             f'{len(flight)} frames at {fps:g} fps, {int(flight.sum())} in flight.',
             f'- {clip["description"]}' if clip.get('description') else '']
    if fits:
        lines.append('- COM parabola per flight: g = ' + ', '.join(
            f'{f["g"]:.3f}' for f in fits) + f' m/s² (true {np.linalg.norm(gravity):.3f})')
    return dict(video=path, clip=clip, figures=dict(skeleton=skeleton, com=com), fits=fits,
                summary='\n'.join(x for x in lines if x))
