"""``FVDMetric``: Fréchet Video Distance between generated and real clips."""
import hashlib
import os
import os.path as osp
from typing import Optional, Sequence

import numpy as np
from mmengine.evaluator import BaseMetric
from mmengine.logging import print_log

from finephys.registry import METRICS

from ..feature_extractors import I3DFeatureExtractor
from ..functional import frechet_distance_from_features
from .video_batch import generated_and_real_videos


def default_feature_cache(kind: str) -> str:
    """``$FINEPHYS_CACHE`` (default ``~/.cache/finephys``)``/<kind>``."""
    root = os.environ.get('FINEPHYS_CACHE', osp.join(osp.expanduser('~'), '.cache', 'finephys'))
    return osp.join(root, kind)


class ClipFeatureCache:
    """Features of real clips on disk, one ``.npy`` per clip, keyed by the SHA-1 of the clip's
    bytes and shape together with the extractor's fingerprint (weights + preprocessing): a clip
    changed in any pixel, or embedded by other weights, is a miss.

    Args:
        folder (str, optional): Where the files live; None disables the cache.
        fingerprint (str): The extractor's identity.
    """

    def __init__(self, folder: Optional[str], fingerprint: str):
        self.folder, self.fingerprint = folder, fingerprint
        self.hits = self.misses = 0
        if folder:
            os.makedirs(folder, exist_ok=True)

    def key(self, video: np.ndarray) -> str:
        h = hashlib.sha1(self.fingerprint.encode())
        h.update(str(video.shape).encode())
        h.update(np.ascontiguousarray(video).tobytes())
        return h.hexdigest()

    def get(self, video: np.ndarray) -> Optional[np.ndarray]:
        if not self.folder:
            return None
        path = osp.join(self.folder, self.key(video) + '.npy')
        if osp.isfile(path):
            try:
                feats = np.load(path, allow_pickle=False)
                self.hits += 1
                return feats
            except (OSError, ValueError):        # a torn write: embed again
                pass
        return None

    def put(self, video: np.ndarray, feats: np.ndarray) -> None:
        if not self.folder:
            return
        path = osp.join(self.folder, self.key(video) + '.npy')
        tmp = f'{path}.{os.getpid()}.tmp.npy'
        np.save(tmp, np.asarray(feats))
        os.replace(tmp, path)                    # atomic: ranks may write the same clip


@METRICS.register_module()
class FVDMetric(BaseMetric):
    """Fréchet Video Distance (Unterthiner et al. 2018) between the generated videos and the
    real clips they were sampled for.

    Every clip — the model's ``video`` and the batch's ``inputs['video']`` — is embedded by
    Inception-I3D (:class:`~finephys.evaluation.feature_extractors.I3DFeatureExtractor`: the
    first 16 frames, shorter side resized to 224 and centre-cropped, values in [−1, 1]; its 400
    Kinetics logits), a Gaussian is fitted to each set and ``video/fvd`` is
    :func:`~finephys.evaluation.functional.frechet_distance` between them (lower is better).
    Features are stored per sample, so distributed evaluation merges them before the
    statistics are taken. Real-clip features are cached on disk (:class:`ClipFeatureCache`):
    evaluating again embeds only the generated videos.

    FVD of few clips is biased upwards (the covariance of ``N < 401`` clips is singular): with
    ``min_samples='warn'`` it is still reported, with a warning and ``video/fvd_num_samples``
    so numbers of different sizes are not compared; ``'raise'`` refuses. The paper's numbers
    use the full test set.

    Args:
        i3d_checkpoint (str): Inception-I3D weights (TorchScript ``i3d_torchscript.pt`` or a
            state dict); checked when the metric is built.
        i3d_width (float): Channel multiplier of a state dict's network (1.0).
        num_frames (int): Frames per clip (16).
        resolution (int): I3D input side (224).
        batch_size (int): Clips per I3D forward pass.
        cache_dir (str | bool, optional): Real-feature cache; None: ``~/.cache/finephys/
            fvd_real``; False: no cache.
        min_samples (str): ``'warn'`` or ``'raise'`` (see above).
        device (str, optional): Default: CUDA when available.
    """

    default_prefix = 'video'

    def __init__(self, i3d_checkpoint: str, i3d_width: float = 1.0, num_frames: int = 16,
                 resolution: int = 224, batch_size: int = 8, cache_dir=None,
                 min_samples: str = 'warn', device: Optional[str] = None, **kwargs):
        super().__init__(**kwargs)
        if not i3d_checkpoint or not osp.isfile(i3d_checkpoint):
            raise FileNotFoundError(
                f'FVDMetric: i3d_checkpoint {i3d_checkpoint!r} not found (a local Inception-I3D '
                'file: the TorchScript i3d_torchscript.pt or a state dict; docs/evaluation.md)')
        if min_samples not in ('warn', 'raise'):
            raise ValueError(f"FVDMetric: min_samples={min_samples!r}; expected 'warn' or "
                             "'raise'")
        self.i3d_cfg = dict(checkpoint=i3d_checkpoint, width=i3d_width, num_frames=num_frames,
                            resolution=resolution, device=device)
        self.batch_size, self.min_samples = batch_size, min_samples
        self.cache_dir = default_feature_cache('fvd_real') if cache_dir is None else cache_dir
        self._extractor = self._cache = None
        self._shapes = {}                # the (T, H, W, 3) of each set, from its first batch

    def extractor(self) -> I3DFeatureExtractor:
        """The I3D network, loaded on first use."""
        if self._extractor is None:
            self._extractor = I3DFeatureExtractor(**self.i3d_cfg)
            self._cache = ClipFeatureCache(self.cache_dir or None, self._extractor.fingerprint)
        return self._extractor

    def check_shape(self, videos: Sequence[np.ndarray], what: str) -> None:
        """Every clip of one set (generated, real) has one ``(T, H, W, 3)`` across batches
        (within a batch :func:`generated_and_real_videos` checked it): FVD compares sets of
        equally preprocessed clips."""
        shape = tuple(videos[0].shape)
        first = self._shapes.setdefault(what, shape)
        if shape != first:
            raise ValueError(f'FVDMetric: {what} have shape {shape}, earlier clips {first}: '
                             'every clip of one evaluation must have the same length and size')

    def embed_real(self, videos: Sequence[np.ndarray]) -> np.ndarray:
        """Features of real clips, from the cache where present."""
        feats = [self._cache.get(v) for v in videos]
        todo = [i for i, f in enumerate(feats) if f is None]
        if todo:
            new = self.extractor()(np.stack([videos[i] for i in todo]), self.batch_size).numpy()
            for i, f in zip(todo, new):
                self._cache.put(videos[i], f)
                feats[i] = f
            self._cache.misses += len(todo)
        return np.stack(feats)

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        generated, real = generated_and_real_videos(data_batch, data_samples)
        self.check_shape(generated, 'generated videos')
        self.check_shape(real, 'real videos')
        extractor = self.extractor()
        gen_feats = extractor(np.stack(generated), self.batch_size).numpy()
        real_feats = self.embed_real(real)
        for g, r in zip(gen_feats, real_feats):
            self.results.append(dict(generated=g, real=r))

    def compute_metrics(self, results: list) -> dict:
        self._shapes = {}                # the next evaluation may use other clips
        generated = np.stack([r['generated'] for r in results])
        real = np.stack([r['real'] for r in results])
        fvd = frechet_distance_from_features(generated, real, self.min_samples)
        if self._cache is not None and self._cache.folder:
            print_log(f'FVDMetric: real-clip features {self._cache.hits} from the cache, '
                      f'{self._cache.misses} embedded ({self._cache.folder})', logger='current')
        return dict(fvd=fvd, fvd_num_samples=len(results))
