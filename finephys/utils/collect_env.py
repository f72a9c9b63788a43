"""Environment report printed at the start of every run (OpenMMLab habit)."""
import importlib

from mmengine.utils import get_git_hash
from mmengine.utils.dl_utils import collect_env as collect_base_env

import finephys

_PACKAGES = ('mmcv', 'mmpose', 'mmdet', 'diffusers', 'transformers', 'peft')


def collect_env() -> dict:
    """Python/torch/CUDA facts from mmengine plus the versions of our stack."""
    env = collect_base_env()
    for name in _PACKAGES:
        try:
            env[name] = importlib.import_module(name).__version__
        except Exception as err:  # report, never fail a run for a missing optional package
            env[name] = f'not available ({type(err).__name__})'
    env['finephys'] = finephys.__version__ + '+' + get_git_hash(digits=7)
    return env


def env_info_text() -> str:
    return '\n'.join(f'{k}: {v}' for k, v in collect_env().items())


if __name__ == '__main__':
    print(env_info_text())
