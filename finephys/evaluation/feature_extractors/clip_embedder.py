"""CLIP (or a CLIP-architecture preference model such as PickScore) from a local folder, as an
embedder of frames and texts for the video metrics."""
import os.path as osp
from typing import Optional, Sequence

import numpy as np
import torch


def projected(output) -> torch.Tensor:
    """The projected embedding of ``CLIPModel.get_*_features``: a tensor in transformers 4, a
    ``BaseModelOutputWithPooling`` whose ``pooler_output`` holds it in transformers 5."""
    return output if isinstance(output, torch.Tensor) else output.pooler_output


class CLIPEmbedder:
    """L2-normalised CLIP embeddings of RGB frames and of texts.

    Loads ``CLIPModel`` from a local transformers folder (``config.json`` + weights, e.g. a
    copy of ``openai/clip-vit-large-patch14`` or ``yuvalkirstain/PickScore_v1``) and its
    tokenizer and ``CLIPImageProcessor`` (resize, centre crop, CLIP normalisation) from
    ``processor_path`` (default: the same folder; PickScore ships its processor separately, in
    ``laion/CLIP-ViT-H-14-laion2B-s32B-b79K``).

    Args:
        model_path (str): Folder of the ``CLIPModel``.
        processor_path (str, optional): Folder of the tokenizer and image processor.
        device (str, optional): Default: CUDA when available.
        batch_size (int): Frames / texts per forward pass.
    """

    def __init__(self, model_path: str, processor_path: Optional[str] = None,
                 device: Optional[str] = None, batch_size: int = 32):
        from transformers import AutoTokenizer, CLIPImageProcessor, CLIPModel
        processor_path = processor_path or model_path
        for what, path, needed in (('model', model_path, 'config.json'),
                                   ('processor', processor_path, 'preprocessor_config.json')):
            if not path or not osp.isfile(osp.join(path, needed)):
                raise FileNotFoundError(
                    f'CLIP {what} folder {path!r} has no {needed} (expected a local '
                    'transformers folder saved with save_pretrained; see docs/evaluation.md)')
        self.device = torch.device(device or ('cuda' if torch.cuda.is_available() else 'cpu'))
        self.model = CLIPModel.from_pretrained(model_path).to(self.device).eval()
        self.tokenizer = AutoTokenizer.from_pretrained(processor_path)
        self.image_processor = CLIPImageProcessor.from_pretrained(processor_path)
        self.batch_size = batch_size

    @property
    def logit_scale(self) -> float:
        """The model's learnt temperature ``exp(logit_scale)`` (100 for OpenAI's CLIP)."""
        return float(self.model.logit_scale.detach().exp())

    @torch.no_grad()
    def embed_frames(self, frames) -> torch.Tensor:
        """``(N, H, W, 3)`` uint8 RGB frames → ``(N, D)`` unit vectors (float32, CPU)."""
        frames = np.asarray(frames)
        out = []
        for start in range(0, len(frames), self.batch_size):
            pixels = self.image_processor(images=list(frames[start:start + self.batch_size]),
                                          return_tensors='pt')['pixel_values']
            emb = projected(self.model.get_image_features(
                pixel_values=pixels.to(self.device, self.model.dtype)))
            out.append(torch.nn.functional.normalize(emb.float(), dim=-1).cpu())
        return torch.cat(out)

    def embed_videos(self, videos: Sequence[np.ndarray]) -> np.ndarray:
        """``B`` clips ``(T, H, W, 3)`` of one shape → ``(B, T, D)`` unit frame embeddings
        (all frames in one :meth:`embed_frames` call, batched by ``batch_size``)."""
        b, t = len(videos), len(videos[0])
        return self.embed_frames(np.concatenate(videos)).numpy().reshape(b, t, -1)

    @torch.no_grad()
    def embed_texts(self, texts: Sequence[str]) -> torch.Tensor:
        """Texts → ``(N, D)`` unit vectors (float32, CPU); longer ones are truncated to the
        tokenizer's ``model_max_length`` (77 for CLIP)."""
        out = []
        for start in range(0, len(texts), self.batch_size):
            tokens = self.tokenizer(list(texts[start:start + self.batch_size]), padding=True,
                                    truncation=True, return_tensors='pt').to(self.device)
            emb = projected(self.model.get_text_features(
                input_ids=tokens['input_ids'], attention_mask=tokens['attention_mask']))
            out.append(torch.nn.functional.normalize(emb.float(), dim=-1).cpu())
        return torch.cat(out)
