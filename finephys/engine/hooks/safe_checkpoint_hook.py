"""``SafeCheckpointHook``: make mmengine checkpoints loadable with ``weights_only=True``."""
from mmengine.hooks import Hook

from finephys.registry import HOOKS
from finephys.utils.safe_checkpoint import from_safe_state, to_safe_state

# Parts of a checkpoint mmengine fills with Python objects; model/optimizer states are tensors.
_CONVERTED = ('message_hub', 'meta', 'param_schedulers')


@HOOKS.register_module()
class SafeCheckpointHook(Hook):
    """Convert the message hub, meta and scheduler states to tensors/primitives when saving and
    back when loading, so ``runner.resume`` / ``load_from`` work on torch ≥ 2.6 with torch's safe
    default loader (see :mod:`finephys.utils.safe_checkpoint`). Checkpoints written without this
    hook still load when they hold nothing unsafe; others fail with torch's own message.
    """

    priority = 'VERY_LOW'  # convert after every other hook added its entries

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        for key in _CONVERTED:
            if key in checkpoint:
                checkpoint[key] = to_safe_state(checkpoint[key], key)

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        for key in _CONVERTED:
            if key in checkpoint:
                checkpoint[key] = from_safe_state(checkpoint[key])
