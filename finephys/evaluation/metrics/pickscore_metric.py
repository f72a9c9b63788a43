"""``PickScoreMetric``: a CLIP-style human-preference model's score of generated frames."""
from typing import Optional, Sequence

import numpy as np
from mmengine.evaluator import BaseMetric

from finephys.registry import METRICS

from ..feature_extractors import CLIPEmbedder
from .clip_sim_metric import check_clip_folder, video_text_prompts
from .video_batch import generated_and_real_videos


@METRICS.register_module()
class PickScoreMetric(BaseMetric):
    """PickScore (Kirstain et al. 2023) of generated videos, per frame, averaged.

    PickScore is a CLIP-H/14 fine-tuned on human preferences between images for a prompt; its
    score is ``exp(logit_scale) · cos(text, image)`` (the model's own learnt temperature, ~100),
    computed here for every generated frame against its prompt (``data_samples['text']``),
    averaged over the frames of a clip, then over clips: ``video/pickscore`` (higher is better;
    the paper's PickScore column, ~20). ``video/pickscore_real``: the same on the real clips.

    Args:
        model_path (str): Local folder of the preference model (``yuvalkirstain/PickScore_v1``;
            any ``CLIPModel`` folder works).
        processor_path (str, optional): Tokenizer + image processor folder (PickScore uses
            ``laion/CLIP-ViT-H-14-laion2B-s32B-b79K``'s; default: ``model_path``).
        batch_size (int): Frames / texts per forward pass.
        device (str, optional): Default: CUDA when available.
    """

    default_prefix = 'video'

    def __init__(self, model_path: str, processor_path: Optional[str] = None,
                 batch_size: int = 32, device: Optional[str] = None, **kwargs):
        super().__init__(**kwargs)
        check_clip_folder('PickScoreMetric', 'model_path', model_path)
        self.embedder_cfg = dict(model_path=model_path, processor_path=processor_path,
                                 device=device, batch_size=batch_size)
        self._embedder = None

    def embedder(self) -> CLIPEmbedder:
        """The preference model, loaded on first use."""
        if self._embedder is None:
            self._embedder = CLIPEmbedder(**self.embedder_cfg)
        return self._embedder

    def scores(self, videos: Sequence[np.ndarray], text_emb: np.ndarray) -> np.ndarray:
        """``(B,)`` mean per-frame scores of ``B`` clips against their ``(B, D)`` prompts."""
        frames = self.embedder().embed_videos(videos)
        return self.embedder().logit_scale * np.einsum('btd,bd->bt', frames, text_emb).mean(1)

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        generated, real = generated_and_real_videos(data_batch, data_samples)
        texts = video_text_prompts(data_batch, len(generated), 'PickScoreMetric')
        text_emb = self.embedder().embed_texts(texts).numpy()
        for g, r in zip(self.scores(generated, text_emb), self.scores(real, text_emb)):
            self.results.append(dict(pickscore=float(g), pickscore_real=float(r)))

    def compute_metrics(self, results: list) -> dict:
        return {k: float(np.mean([r[k] for r in results]))
                for k in ('pickscore', 'pickscore_real')}
