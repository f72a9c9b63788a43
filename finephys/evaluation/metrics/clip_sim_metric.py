"""``CLIPSimMetric``: CLIP similarity of generated videos to their prompt, to real clips of the
same class, and between their own consecutive frames."""
import os.path as osp
from collections import defaultdict
from typing import Optional, Sequence

import numpy as np
from mmengine.evaluator import BaseMetric
from mmengine.logging import print_log

from finephys.registry import METRICS

from ..feature_extractors import CLIPEmbedder
from .video_batch import generated_and_real_videos


def check_clip_folder(metric: str, key: str, path: Optional[str]) -> None:
    """Raise ``FileNotFoundError`` unless ``path`` is a transformers folder (has
    ``config.json``); checked when a metric is built, not after the first sampled batch."""
    if not path or not osp.isfile(osp.join(path, 'config.json')):
        raise FileNotFoundError(f'{metric}: {key} {path!r} is not a local transformers folder '
                                '(no config.json); see docs/evaluation.md for the weights')


def video_text_prompts(data_batch, n: int, metric: str):
    """The batch's prompts (``data_samples['text']``), checked."""
    texts = data_batch['data_samples'].get('text')
    if texts is None or len(texts) != n:
        raise KeyError(f"{metric}: data_samples['text'] (one prompt per clip) is missing; add "
                       "'text' to PackSkeletonInputs' target_keys")
    return [str(t) for t in texts]


def consecutive_cosine(frames: np.ndarray) -> float:
    """Mean cosine of consecutive rows of ``(T, D)`` unit vectors (1.0 for ``T < 2``)."""
    if len(frames) < 2:
        return 1.0
    return float(np.mean(np.sum(frames[1:] * frames[:-1], -1)))


@METRICS.register_module()
class CLIPSimMetric(BaseMetric):
    """CLIP-SIM of FinePhys (Table 1), three ways, from one CLIP model.

    Every frame of the generated ``video`` and of the real clip ``inputs['video']`` is embedded
    by CLIP's image tower (its processor: shorter side resized, centre crop, CLIP
    normalisation) and each prompt ``data_samples['text']`` by its text tower; all embeddings
    are L2-normalised. Per clip, then averaged over clips:

    * ``video/clip_sim_text``: ``100 · max(cos(text, frame), 0)`` averaged over frames — the
      CLIPScore convention (Hessel et al. 2021; torchmetrics' ``CLIPScore``), so in [0, 100];
    * ``video/clip_sim_domain``: the mean cosine over all pairs (generated frame, real frame of
      a clip of the same class, ``data_samples[class_key]``), pooled over the evaluated set —
      in [−1, 1], unscaled (the paper reports ~0.83);
    * ``video/clip_sim_smooth``: the mean cosine of consecutive generated frames (1 for a
      still video; lower for flicker or shuffled frames), unscaled;
    * ``..._real``: ``clip_sim_text`` and ``clip_sim_smooth`` of the real clips, the data's own
      level to read the generated ones against.

    Args:
        clip_path (str): Local ``CLIPModel`` folder (e.g. ``openai/clip-vit-large-patch14``).
        processor_path (str, optional): Tokenizer + image processor folder (default:
            ``clip_path``).
        class_key (str): ``data_samples`` key of the class (``'label'``; without it every clip
            is one class, logged).
        batch_size (int): Frames / texts per CLIP forward pass.
        device (str, optional): Default: CUDA when available.
    """

    default_prefix = 'video'

    def __init__(self, clip_path: str, processor_path: Optional[str] = None,
                 class_key: str = 'label', batch_size: int = 32, device: Optional[str] = None,
                 **kwargs):
        super().__init__(**kwargs)
        check_clip_folder('CLIPSimMetric', 'clip_path', clip_path)
        self.embedder_cfg = dict(model_path=clip_path, processor_path=processor_path,
                                 device=device, batch_size=batch_size)
        self.class_key = class_key
        self._embedder = None
        self._warned_no_class = False

    def embedder(self) -> CLIPEmbedder:
        """The CLIP model, loaded on first use."""
        if self._embedder is None:
            self._embedder = CLIPEmbedder(**self.embedder_cfg)
        return self._embedder

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        generated, real = generated_and_real_videos(data_batch, data_samples)
        texts = video_text_prompts(data_batch, len(generated), 'CLIPSimMetric')
        classes = data_batch['data_samples'].get(self.class_key)
        if classes is None and not self._warned_no_class:
            print_log(f"CLIPSimMetric: data_samples has no {self.class_key!r}; clip_sim_domain "
                      'compares every clip with the whole real set', logger='current')
            self._warned_no_class = True
        text_emb = self.embedder().embed_texts(texts).numpy()
        gen_emb = self.embedder().embed_videos(generated)
        real_emb = self.embedder().embed_videos(real)
        for i in range(len(generated)):
            label = 'all' if classes is None else str(np.asarray(classes[i]).tolist())
            self.results.append(dict(
                label=label,
                text=float(np.mean(100 * np.maximum(gen_emb[i] @ text_emb[i], 0))),
                text_real=float(np.mean(100 * np.maximum(real_emb[i] @ text_emb[i], 0))),
                smooth=consecutive_cosine(gen_emb[i]),
                smooth_real=consecutive_cosine(real_emb[i]),
                generated_mean=gen_emb[i].mean(0), real_sum=real_emb[i].sum(0),
                real_count=len(real_emb[i])))

    def compute_metrics(self, results: list) -> dict:
        # mean over pairs of cos(g, r) = <mean of the generated unit vectors, mean of the real>
        real_sum, real_count = defaultdict(float), defaultdict(int)
        for r in results:
            real_sum[r['label']] = real_sum[r['label']] + r['real_sum']
            real_count[r['label']] += r['real_count']
        domain = [float(r['generated_mean'] @ (real_sum[r['label']] / real_count[r['label']]))
                  for r in results]
        return dict(clip_sim_text=float(np.mean([r['text'] for r in results])),
                    clip_sim_domain=float(np.mean(domain)),
                    clip_sim_smooth=float(np.mean([r['smooth'] for r in results])),
                    clip_sim_text_real=float(np.mean([r['text_real'] for r in results])),
                    clip_sim_smooth_real=float(np.mean([r['smooth_real'] for r in results])))
