"""What the video metrics read from a test batch."""
from typing import List, Sequence, Tuple

import numpy as np

from ..feature_extractors import check_same_video_shape


def generated_and_real_videos(data_batch, data_samples: Sequence[dict]
                              ) -> Tuple[List[np.ndarray], List[np.ndarray]]:
    """The model's ``video`` per clip and the batch's ``inputs['video']``, as ``(T, H, W, 3)``
    uint8 arrays; each list checked to hold one shape (:func:`check_same_video_shape`)."""
    generated = [out['video'].cpu().numpy() for out in data_samples]
    real = [v.cpu().numpy() for v in data_batch['inputs']['video']]
    check_same_video_shape(generated, 'generated videos')
    check_same_video_shape(real, 'real videos')
    return generated, real
