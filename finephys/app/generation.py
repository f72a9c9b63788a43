"""The web app's Generation tab, free of any web framework: a prompt and a motion (a skeleton file
or video the user uploads, or a SynthGym element) → a generated video beside its guidance
skeleton, with a stage-3 model the server was started with."""
import os.path as osp
import threading
from collections import OrderedDict
from typing import Dict, Optional

import numpy as np

from finephys.datasets.synthgym import generate_clip, list_actions
from finephys.utils.errors import UserInputError

from .uploads import UploadError, safe_stem

#: Skeleton files the tab accepts besides videos (see ``load_skeleton_file``).
SKELETON_EXTENSIONS = ('.npz', '.json', '.pkl')


def synthgym_motion_file(action: str, seed: int, path: str) -> str:
    """A SynthGym performance of ``action`` written as a 2D skeleton file (H36M-17 pixels,
    scores, its camera's K, fps, image size) — the same input a user's skeleton file is."""
    if action not in list_actions():
        raise UploadError(f'unknown SynthGym element {action!r}')
    clip = generate_clip(action, int(seed))
    t = len(clip['keypoints_2d'])
    np.savez(path, keypoints_2d=clip['keypoints_2d'], keypoint_scores=clip['keypoint_scores'],
             camera_K=clip['camera']['K'][t // 2], fps=float(clip['fps']), layout='h36m17',
             image_size=np.asarray(clip['camera']['image_size'], float))
    return path


class Generation:
    """Generation for the app: one :class:`~finephys.apis.FinePhysInferencer` per stage-3 model
    (built on first use, kept), one run at a time.

    Args:
        models (dict): ``name -> dict(config, checkpoint[, cfg_options])``.
        device (str): ``'cpu'`` / ``'cuda:0'``.
    """

    def __init__(self, models: Dict[str, dict], device: str = 'cpu'):
        self.models = OrderedDict(models)
        self.device = device
        self._inferencers = {}
        self._lock = threading.Lock()

    def inferencer(self, name: str):
        """The model's :class:`~finephys.apis.FinePhysInferencer` (built once)."""
        from finephys.apis import FinePhysInferencer
        if name not in self.models:
            raise UploadError(f'unknown generator {name!r}; the server offers {list(self.models)}'
                              ' (tools/app.py --generator NAME CONFIG CHECKPOINT adds one)')
        if name not in self._inferencers:
            m = self.models[name]
            self._inferencers[name] = FinePhysInferencer(m['config'], m.get('checkpoint'),
                                                         self.device,
                                                         cfg_options=m.get('cfg_options'))
        return self._inferencers[name]

    def frame_size(self, name: str) -> int:
        """The side of the frames the model generates (its heatmaps' image size)."""
        w, _ = self.inferencer(name).model.heatmap_renderer.image_size
        return int(w)

    def run(self, prompt: str, out_dir: str, model: Optional[str] = None,
            skeleton: Optional[str] = None, skeleton_name: Optional[str] = None,
            element: Optional[str] = None, seed: int = 0, num_frames: int = 8,
            steps: Optional[int] = None) -> dict:
        """Generate one video.

        Args:
            prompt (str): The text.
            out_dir (str): A run's folder of the session.
            model (str, optional): A key of ``models`` (default the first).
            skeleton (str, optional): An uploaded 2D skeleton file or video (the motion).
            skeleton_name (str, optional): Its name as the user knows it (messages).
            element (str, optional): A SynthGym element as the motion (when no file).
            seed (int): Sampling seed (and the SynthGym performance's).
            num_frames (int): Frames generated.
            steps (int, optional): Denoising steps (default the config's).

        Returns:
            dict: ``video`` (mp4), ``side_by_side`` (mp4: generated | guidance skeleton),
            ``gif`` (3D plot of the guidance), ``summary`` (markdown).

        Raises:
            UploadError: a bad request, in words.
        """
        if not prompt or not prompt.strip():
            raise UploadError('The prompt is empty: describe the action.')
        model = model or next(iter(self.models), None)
        if model is None:
            raise UploadError('No generator is loaded: run `make demo` first, or start the app '
                              'with --generator NAME CONFIG CHECKPOINT.')
        if skeleton:
            name = skeleton_name or osp.basename(skeleton)
            ext = osp.splitext(skeleton)[1].lower()
            from finephys.datasets.io import VIDEO_EXTENSIONS
            if ext not in SKELETON_EXTENSIONS + VIDEO_EXTENSIONS:
                raise UploadError(f'{name}: "{ext or "no extension"}" is neither a skeleton file '
                                  f'({", ".join(SKELETON_EXTENSIONS)}) nor a video.')
            motion, source = skeleton, name
        elif element:
            motion = synthgym_motion_file(element, seed, osp.join(out_dir, 'synthgym_motion.npz'))
            source = f'SynthGym "{element}" (seed {int(seed)})'
        elif prompt in list_actions():
            motion, source = None, f'SynthGym "{prompt}" (seed {int(seed)})'
        else:
            raise UploadError('Give the motion: upload a skeleton file or video, or pick a '
                              'SynthGym element (or use a SynthGym element\'s name as prompt).')
        with self._lock:
            inf = self.inferencer(model)
            size = self.frame_size(model)
            try:
                result = inf(prompt, skeleton=motion, num_frames=int(num_frames), size=size,
                             steps=None if steps is None else int(steps), seed=int(seed),
                             out_dir=out_dir)
            except (UserInputError, ValueError) as err:
                raise UploadError(str(err).replace(str(motion), source)) from err
        stem = ''.join(c if c.isalnum() else '_' for c in prompt)[:48].strip('_') or 'video'
        files = {k: osp.join(out_dir, f'{stem}{s}') for k, s in (
            ('video', '.mp4'), ('side_by_side', '_side_by_side.mp4'), ('gif', '_fused_3d.gif'))}
        summary = (f'**"{prompt}"** — {len(result["video"])} frames of {size}×{size} by *{model}*'
                   f', guided by {source}.')
        return dict(files, summary=summary, result=result, stem=safe_stem(stem))
