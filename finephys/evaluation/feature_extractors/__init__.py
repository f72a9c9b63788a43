from .clip_embedder import CLIPEmbedder
from .fvd_preprocessing import (FVD_NUM_FRAMES, FVD_RESOLUTION, check_same_video_shape,
                                preprocess_fvd_video)
from .i3d_feature_extractor import (I3DFeatureExtractor, file_sha1, is_torchscript_archive,
                                    load_i3d_state_dict)
from .tiny_weights import TorchScriptI3DInterface, write_tiny_clip_folder, write_tiny_i3d
from .inception_i3d import INCEPTION_BLOCKS, InceptionBlock3D, InceptionI3D, Unit3D

__all__ = ['InceptionI3D', 'InceptionBlock3D', 'Unit3D', 'INCEPTION_BLOCKS',
           'I3DFeatureExtractor', 'load_i3d_state_dict', 'is_torchscript_archive', 'file_sha1',
           'preprocess_fvd_video', 'check_same_video_shape', 'FVD_NUM_FRAMES', 'FVD_RESOLUTION',
           'CLIPEmbedder', 'write_tiny_i3d', 'write_tiny_clip_folder',
           'TorchScriptI3DInterface']
