from .collect_env import collect_env, env_info_text
from .safe_checkpoint import from_safe_state, to_safe_state
from .setup_env import register_all_modules

__all__ = ['register_all_modules', 'collect_env', 'env_info_text', 'to_safe_state',
           'from_safe_state']
