
import pytest
import torch
from mmengine.registry import MODELS as MMENGINE_MODELS

from finephys import registry as R
from finephys.registry import DOMAIN_REGISTRIES, LIFTERS, MODELS

# Constructor arguments that have no default, for modules needing them.
import os.path as osp

import mmpose

REQUIRED = {
    'MMPoseTopDownEstimator': dict(config=osp.join(
        osp.dirname(mmpose.__file__), '.mim', 'configs', 'body_2d_keypoint', 'rtmpose', 'coco',
        'rtmpose-t_8xb256-420e_coco-256x192.py')),
    'FinePhysSkeleton': dict(lifter=dict(type='TemporalConvLifter', channels=8, num_blocks=1),
                             physics=dict(type='FiniteDifferenceSolver')),
    'Pose3DNpzDataset': dict(ann_file='unused.npz', lazy_init=True),
    'PoseLiftingModel': dict(lifter=dict(type='TemporalConvLifter', channels=8, num_blocks=1)),
    'SynthGymDataset': dict(num_samples=2, num_frames=8),
    'KeypointHeatmapModel': dict(net=dict(type='HeatmapPoseNet', channels=(4, 8))),
    'SampleFrames': dict(clip_len=4),
    'SkeletonCropResize': dict(size=32),
    'FineGymVideoDataset': dict(ann_file='unused.txt', categories_file='unused.txt',
                                skeleton_file='unused.pkl', lazy_init=True),
    'FineGymSkeletonDataset': dict(ann_file='unused.txt', categories_file='unused.txt',
                                   skeleton_file='unused.pkl', lazy_init=True),
}


def test_registries_are_children_of_mmengine_roots_with_finephys_scope():
    assert MODELS.parent is MMENGINE_MODELS and MODELS.scope == 'finephys'
    for name, reg in DOMAIN_REGISTRIES.items():
        assert reg.parent is MODELS, name


def test_domain_modules_are_found_by_models_and_under_default_scope():
    assert MODELS.get('TemporalConvLifter') is LIFTERS.get('TemporalConvLifter')
    assert isinstance(LIFTERS.build(dict(type='TemporalConvLifter', channels=8)),
                      torch.nn.Module)


def _our_modules():
    for reg_name in ('MODELS', 'DATASETS', 'TRANSFORMS', 'METRICS', 'HOOKS'):
        reg = getattr(R, reg_name)
        reg.import_from_location()
        for name, cls in reg.module_dict.items():
            if cls.__module__.startswith('finephys'):
                yield reg_name, name


@pytest.mark.parametrize('reg_name, name', sorted(set(_our_modules())))
def test_every_registered_module_builds_from_a_config_dict(reg_name, name, tmp_path):
    reg = getattr(R, reg_name)
    cfg = dict(type=name, **REQUIRED.get(name, {}))
    if name in ('AnimateDiffGenerator', 'FinePhys'):  # tiny stand-ins in the SD1.5 layout
        from finephys.models.generators import write_tiny_motion_adapter, write_tiny_sd15_folder
        paths = dict(pretrained_model_path=write_tiny_sd15_folder(str(tmp_path / 'sd'),
                                                                  pixel_space=True),
                     motion_adapter_path=write_tiny_motion_adapter(str(tmp_path / 'ma')),
                     pixel_space=True)
        if name == 'AnimateDiffGenerator':
            cfg.update(paths)
        else:
            from mmengine.config import Config
            cfg = Config.fromfile(osp.join(osp.dirname(osp.dirname(osp.abspath(__file__))),
                                           'configs/finephys/finephys_tiny_synthgym.py')).model
            cfg.generator.update(paths)

    if name in ('FVDMetric', 'CLIPSimMetric', 'PickScoreMetric'):   # tiny weights, real formats
        from finephys.evaluation.feature_extractors import write_tiny_clip_folder, write_tiny_i3d
        if name == 'FVDMetric':
            cfg.update(i3d_checkpoint=write_tiny_i3d(str(tmp_path / 'i3d.pt')), i3d_width=0.0625)
        else:
            cfg['clip_path' if name == 'CLIPSimMetric' else 'model_path'] = \
                write_tiny_clip_folder(str(tmp_path / 'clip'), ['a stag leap'])
    if name == 'MotionPlausibilityMetric':         # files are checked when it is built
        (tmp_path / 'skeleton.py').write_text('model = dict()\n')
        (tmp_path / 'skeleton.pth').write_bytes(b'')
        cfg.update(pose_estimator=dict(type='AnnotationPoseEstimator'),
                   skeleton_config=str(tmp_path / 'skeleton.py'),
                   skeleton_checkpoint=str(tmp_path / 'skeleton.pth'))
    if name == 'HeatmapPoseEstimator':            # a tiny detector saved as tools/train.py would
        pose_cfg = tmp_path / 'pose.py'
        pose_cfg.write_text("model = dict(type='KeypointHeatmapModel', "
                            "net=dict(type='HeatmapPoseNet', channels=(4, 8)))\n")
        net = MODELS.build(dict(type='KeypointHeatmapModel',
                                net=dict(type='HeatmapPoseNet', channels=(4, 8))))
        torch.save(dict(state_dict=net.state_dict(), meta={}), tmp_path / 'pose.pth')
        cfg.update(config=str(pose_cfg), checkpoint=str(tmp_path / 'pose.pth'))

    obj = reg.build(cfg)
    assert type(obj).__name__ == name


def test_registered_modules_exist():
    names = {n for _, n in _our_modules()}
    assert {'TemporalConvLifter', 'PoseLiftingModel', 'SynthGymDataset', 'Pose3DMetric',
            'SafeCheckpointHook', 'ParameterSyncCheckHook', 'RandomFlipSkeleton'} <= names


def test_unknown_type_names_the_registry():
    with pytest.raises(KeyError, match='not in the'):
        MODELS.build(dict(type='NoSuchLifter'))
