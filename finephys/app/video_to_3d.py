"""The web app's Video → 3D work, free of any web framework (tested directly): choose the person,
run :class:`~finephys.apis.SkeletonInferencer` with per-stage progress, and turn its result into
the page's figures, summary and downloads."""
import os
import os.path as osp
import shutil
import threading
import time
from collections import OrderedDict
from typing import Callable, Dict, Optional

import cv2
import numpy as np

from finephys.datasets.io import VideoReader
from finephys.utils.errors import UserInputError

from .figures import (bone_length_cv, bone_stability_figure, com_height_figure, contacts_figure,
                      skeleton_3d_figure)
from .uploads import UploadError, check_video_upload, safe_stem

#: The stages a video goes through, in order (the names ``progress`` reports). A model whose
#: physics runs window by window (Phys-Net) reports ``'lifting + physics'`` instead of the two.
VIDEO_STAGES = ('decode', '2D pose + tracking', 'stabilisation', 'lifting', 'physics',
                'rendering')


def first_frames(path: str, count: int = 30) -> np.ndarray:
    """The first ``count`` frames ``(t, H, W, 3)`` uint8 RGB of a video (fewer when shorter)."""
    return next(VideoReader(path).chunks(count, channel_order='rgb')).copy()


def pick_person(people, click=None) -> Optional[int]:
    """Which of ``people`` (``[(box xyxy, score), ...]``) to follow: the one whose box holds the
    ``click`` ``(x, y)`` (the smallest such box: a person in front of another), else the one whose
    box centre is nearest to it; without a click the largest box. None when nobody was found."""
    if not people:
        return None
    boxes = np.array([b for b, _ in people], float)
    if click is None:
        return int(np.argmax((boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])))
    x, y = float(click[0]), float(click[1])
    inside = [i for i, b in enumerate(boxes) if b[0] <= x <= b[2] and b[1] <= y <= b[3]]
    if inside:
        return min(inside, key=lambda i: (boxes[i, 2] - boxes[i, 0]) * (boxes[i, 3] - boxes[i, 1]))
    centres = (boxes[:, :2] + boxes[:, 2:]) / 2
    return int(np.argmin(np.linalg.norm(centres - [x, y], axis=1)))


def draw_people(frame_rgb: np.ndarray, people, chosen: Optional[int]) -> np.ndarray:
    """The first frame with every person's box numbered; the chosen one thick and green."""
    img = frame_rgb.copy()
    lw = max(2, img.shape[0] // 240)
    for i, (box, _) in enumerate(people):
        x0, y0, x1, y1 = (int(round(v)) for v in box)
        color = (40, 200, 60) if i == chosen else (230, 200, 40)
        cv2.rectangle(img, (x0, y0), (x1, y1), color, lw * (2 if i == chosen else 1))
        cv2.putText(img, str(i + 1), (x0 + 2 * lw, y0 + 12 * lw), cv2.FONT_HERSHEY_SIMPLEX,
                    0.4 * lw, color, lw, cv2.LINE_AA)
    return img


def person_box(people, index: Optional[int], frame_shape, pad: float = 0.15):
    """The chosen person's box widened by ``pad`` of its size on each side (the tracker follows
    whoever's box centre falls in it), clipped to the frame; None for no choice."""
    if index is None:
        return None
    box = np.asarray(people[index][0], float)
    size = box[2:] - box[:2]
    h, w = frame_shape[:2]
    # rounded: the page shows it, and the same numbers on the command line give the same run
    return np.round(np.clip(np.concatenate([box[:2] - pad * size, box[2:] + pad * size]), 0,
                            [w, h, w, h]), 1).tolist()


class VideoTo3D:
    """Video → 3D for the app: one :class:`~finephys.apis.SkeletonInferencer` per skeleton model
    (built on first use, kept), one run at a time (the app's queue also serialises runs).

    Args:
        models (dict): ``name -> dict(config, checkpoint)`` (the page's choices).
        device (str): ``'cpu'`` / ``'cuda:0'``.
        max_upload_bytes (int): Largest video accepted.
        pose_estimator (dict, optional): ``POSE_ESTIMATORS`` config (default MediaPipe
            BlazePose with one person tracked).
    """

    def __init__(self, models: Dict[str, dict], device: str = 'cpu',
                 max_upload_bytes: int = 500 * 2 ** 20, pose_estimator: Optional[dict] = None):
        self.models = OrderedDict(models)
        self.device, self.max_upload_bytes = device, int(max_upload_bytes)
        self.pose_estimator = pose_estimator
        self._inferencers = {}
        self._lock = threading.Lock()

    def inferencer(self, name: str):
        """The model's :class:`~finephys.apis.SkeletonInferencer` (built once)."""
        from finephys.apis import SkeletonInferencer
        if name not in self.models:
            raise UploadError(f'unknown skeleton model {name!r}; choose one of '
                              f'{list(self.models)}')
        if name not in self._inferencers:
            m = self.models[name]
            self._inferencers[name] = SkeletonInferencer(m['config'], m['checkpoint'],
                                                         self.device, self.pose_estimator)
        return self._inferencers[name]

    def people(self, path: str, name: Optional[str] = None, max_people: int = 4,
               search_frames: int = 30, stride: int = 3):
        """The people in the first frame of a video where anybody is found (every ``stride``-th
        of the first ``search_frames``), for choosing whom to follow: the tracker starts on
        the person whose box centre lies in the chosen box, whenever it first finds them.

        Returns:
            tuple: ``(frame index, frame (H, W, 3) RGB, [(box xyxy, score), ...])`` (frame 0 and
            an empty list when the estimator cannot list people or finds nobody).

        Raises:
            UploadError: the file is not a usable video.
        """
        check_video_upload(path, self.max_upload_bytes, name)
        frames = first_frames(path, search_frames)
        with self._lock:
            est = self.inferencer(next(iter(self.models))).pose_estimator
            find = getattr(est, 'people', None)
            if find is not None:
                for i in range(0, len(frames), stride):
                    people = find(np.ascontiguousarray(frames[i, ..., ::-1]), max_people)
                    if people:
                        return i, frames[i], people
        return 0, frames[0], []

    def run(self, path: str, out_dir: str, model: Optional[str] = None, person_box=None,
            name: Optional[str] = None,
            progress: Optional[Callable[[str, float, Optional[float], float], None]] = None):
        """Lift one video and write what the page shows and offers.

        Args:
            path (str): The uploaded video.
            out_dir (str): Where outputs go (a run's folder of the session).
            model (str, optional): A key of ``models`` (default the first).
            person_box (list, optional): xyxy first-frame box of the person to follow (None:
                whoever the estimator finds first).
            name (str, optional): The file's name as the user knows it (messages, output names).
            progress (callable, optional): ``progress(stage, done, total, seconds)`` (stages:
                :data:`VIDEO_STAGES`).

        Returns:
            dict: ``result`` (:class:`~finephys.apis.SkeletonInferencer`'s), ``paths`` (``npz``,
            ``json``, ``bvh``, ``overlay``), ``stage_seconds`` (stage → seconds),
            ``summary`` (markdown), ``figures`` (``skeleton``, ``com``, ``contacts``,
            ``bones``; ``contacts`` None without a contact-predicting solver).

        Raises:
            UploadError: an unusable file, or a video where nobody was found; the message is
            for the page.
        """
        name = name or osp.basename(path)
        check_video_upload(path, self.max_upload_bytes, name)
        model = model or next(iter(self.models))
        seconds = OrderedDict()       # stage -> seconds, in the order the stages ran

        def heard(stage, done, total, secs):
            seconds[stage] = seconds.get(stage, 0.0) + secs
            if progress is not None:
                progress(stage, done, total, secs)

        # the inferencer reads the file by its extension; outputs take the user's name. A link,
        # not a copy: an upload may be hundreds of MB
        local = osp.join(out_dir, 'input' + osp.splitext(path)[1].lower())
        try:
            os.symlink(osp.abspath(path), local)
        except OSError:
            shutil.copyfile(path, local)
        with self._lock:
            inf = self.inferencer(model)
            tic = time.perf_counter()
            try:
                result = inf(local, out_dir=out_dir, show_progress=False, progress=heard,
                             stem=safe_stem(name), person_box=person_box,
                             gif=False)      # the page has its interactive 3D view
            except (UserInputError, ValueError) as err:
                msg = str(err).replace(local, name)
                if 'no person' in msg or 'no joint' in msg or 'every score is 0' in msg:
                    msg = f'{name}: no person was found in any frame ({msg})'
                raise UploadError(msg) from err
            total = time.perf_counter() - tic
        paths = result.pop('files')
        return dict(result=result, paths=paths, stage_seconds=dict(seconds),
                    summary=self.summary(result, name, model, seconds, total),
                    figures=self.figures(result))

    @staticmethod
    def figures(result) -> dict:
        """The page's figures of one result (see :mod:`finephys.app.figures`)."""
        fps, lost = result['fps'], np.asarray(result['lost_frames'], bool)
        flight = result.get('flight')
        seqs = OrderedDict((('fused', result['fused']), ('physics (S_pp)', result['s_pp']),
                            ('data-driven (S_dd)', result['s_dd'])))
        # heights along the clip's own "up" (estimated from the scene), not the image's
        gravity = np.asarray(result.get('gravity', (0.0, 1.0, 0.0)), np.float64)
        com, _ = com_height_figure(seqs, fps, flight=flight, filled=lost,
                                   reference='physics (S_pp)',
                                   up=-gravity / np.linalg.norm(gravity))
        contacts = None
        if 'contact_prob' in result:
            contacts = contacts_figure(result['contact_prob'], fps, flight, filled=lost)
        return dict(skeleton=skeleton_3d_figure(result['fused'], fps, lost,
                                                title='fused 3D (camera frame)'),
                    com=com, contacts=contacts, bones=bone_stability_figure(seqs))

    @staticmethod
    def summary(result, name, model, seconds, total) -> str:
        """A few lines of markdown: what was done, what was filled, the physics' numbers and
        the time per stage."""
        t, fps = len(result['fused']), result['fps']
        lost = int(np.sum(result['lost_frames']))
        missing = int(np.sum(result['missing']))
        lines = [f'**{name}**: {t} frames at {fps:g} fps, model *{model}*.',
                 f'- person lost (frames filled, marked red): **{lost}** of {t}; joints filled: '
                 f'{missing} of {result["missing"].size}']
        if 'flight' in result:
            lines.append(f'- flight frames: {int(np.sum(result["flight"]))}; gravity scale '
                         f'{result.get("gravity_scale", float("nan")):.3g}'
                         + ('' if result.get('gravity_scale_valid', True) else
                            ' (no flight long enough: the lifter\'s depth is kept)'))
        if 'gravity_source' in result:
            lines.append(f'- gravity: {result["gravity_tilt_deg"]:.1f}° from a level camera '
                         f'({result["gravity_source"]})')
        lines.append('- bone-length variation (mean CV): fused '
                     f'{bone_length_cv(result["fused"]).mean():.2f} %, data-driven '
                     f'{bone_length_cv(result["s_dd"]).mean():.2f} %')
        lines.append('- time per stage: ' + ', '.join(
            f'{k} {v:.1f} s' for k, v in seconds.items() if v > 0) + f' (total {total:.1f} s)')
        return '\n'.join(lines)
