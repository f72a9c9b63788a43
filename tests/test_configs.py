"""Every config under configs/ and projects/*/configs loads and its model builds."""
import glob
import os.path as osp
import sys

import pytest
import yaml
from mmengine.config import Config

from finephys.registry import DATASETS, MODELS, TRANSFORMS

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIGS = sorted(p for p in glob.glob(osp.join(ROOT, 'configs', '**', '*.py'), recursive=True)
                 if '_base_' not in p)
PROJECT_CONFIGS = sorted(glob.glob(osp.join(ROOT, 'projects', '*', 'configs', '*.py')))


@pytest.fixture(scope='module')
def tiny_pretrained(tmp_path_factory):
    """Tiny stand-ins written with save_pretrained, for configs that point at real weights."""
    from finephys.models.generators import write_tiny_motion_adapter, write_tiny_sd15_folder
    root = tmp_path_factory.mktemp('pretrained')
    return dict(pixel=write_tiny_sd15_folder(str(root / 'px'), pixel_space=True),
                latent=write_tiny_sd15_folder(str(root / 'sd')),
                adapter=write_tiny_motion_adapter(str(root / 'ma')))


@pytest.mark.parametrize('path', CONFIGS + PROJECT_CONFIGS, ids=lambda p: osp.relpath(p, ROOT))
def test_config_loads_and_builds(path, tiny_pretrained):
    project = osp.dirname(osp.dirname(path)) if '/projects/' in path else None
    if project:
        sys.path.insert(0, project)
    try:
        cfg = Config.fromfile(path)
        assert cfg.default_scope == 'finephys'
        if cfg.get('custom_imports'):
            from mmengine.utils import import_modules_from_strings
            import_modules_from_strings(**cfg.custom_imports)
        if 'generator' in cfg.model:
            gen = cfg.model.generator
            gen.pretrained_model_path = tiny_pretrained[
                'pixel' if gen.get('pixel_space') else 'latent']
            gen.motion_adapter_path = tiny_pretrained['adapter']
            cfg.model.skeleton_checkpoint = None      # a user's trained skeleton path
        model = MODELS.build(cfg.model)
        assert sum(p.numel() for p in model.parameters()) > 0
        ds_cfg = dict(cfg.train_dataloader.dataset, lazy_init=True)
        # a ConcatDataset builds its parts at once: each lazily (a real-motion .npz is written
        # at set-up, not shipped)
        parts = ds_cfg['datasets'] if ds_cfg['type'] == 'ConcatDataset' else [ds_cfg]
        if ds_cfg['type'] == 'ConcatDataset':
            ds_cfg['datasets'] = parts = [dict(p, lazy_init=True) for p in parts]
        for part in parts:
            assert all(TRANSFORMS.build(t) is not None for t in part.get('pipeline', []))
            if part['type'] == 'SynthGymDataset':
                part['num_samples'] = 2
        assert DATASETS.build(ds_cfg) is not None
    finally:
        if project:
            sys.path.remove(project)


def test_model_index_lists_every_config():
    with open(osp.join(ROOT, 'model-index.yml')) as f:
        index = yaml.safe_load(f)
    listed = set()
    for meta in index['Import']:
        with open(osp.join(ROOT, meta)) as f:
            metafile = yaml.safe_load(f)
        for model in metafile['Models']:
            assert {'Name', 'In Collection', 'Config', 'Metadata', 'Results', 'Weights'} <= set(model)
            assert osp.isfile(osp.join(ROOT, model['Config'])), model['Config']
            listed.add(osp.join(ROOT, model['Config']))
    assert set(CONFIGS) <= listed
    for family in {osp.dirname(p) for p in CONFIGS}:
        assert osp.isfile(osp.join(family, 'README.md')) and osp.isfile(
            osp.join(family, 'metafile.yml')), family
