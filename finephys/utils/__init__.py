"""Project utilities.

The names below are loaded on first use (PEP 562): ``finephys.utils.launch`` — what every tool
imports before it parses its arguments — must not pay for ``safe_checkpoint`` (mmengine's runner,
which imports transformers and peft: ~6 s) or ``collect_env``, so ``python tools/X.py --help``
and a mistyped argument answer at once.
"""
import importlib

_LAZY = {'collect_env': 'collect_env', 'env_info_text': 'collect_env',
         'from_safe_state': 'safe_checkpoint', 'to_safe_state': 'safe_checkpoint',
         'register_all_modules': 'setup_env'}

__all__ = ['register_all_modules', 'collect_env', 'env_info_text', 'to_safe_state',
           'from_safe_state']


def __getattr__(name):
    if name in _LAZY:
        value = getattr(importlib.import_module(f'.{_LAZY[name]}', __name__), name)
        globals()[name] = value            # later lookups skip this function
        return value
    raise AttributeError(f'module {__name__!r} has no attribute {name!r}')


def __dir__():
    return sorted(set(globals()) | set(_LAZY))
