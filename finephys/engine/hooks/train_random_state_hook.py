"""``TrainRandomStateHook``: the training random stream is saved in checkpoints and isolated
from everything that happens between training iterations."""
import logging

from mmengine.hooks import Hook
from mmengine.logging import print_log

from finephys.registry import HOOKS
from finephys.utils.random_state import capture_random_state, restore_random_state


@HOOKS.register_module()
class TrainRandomStateHook(Hook):
    """Make the random draws of training iterations a function of the seed and the iteration.

    The global generators (python, numpy, torch CPU and CUDA) are captured right after each
    training iteration and put back right before the next one. Whatever runs in between —
    validation, a new DataLoader iterator drawing its base seed, a sample-video hook — cannot
    shift what the next iteration draws, in a run that goes straight through or in one resumed
    from a checkpoint. The state after the last iteration is stored in every checkpoint
    (``checkpoint['random_state']``, tensors and ints: loads with ``weights_only=True``) and
    restored on ``--resume`` before the first resumed iteration. A checkpoint loaded with
    ``load_from`` (iteration 0) keeps the new run's own stream.

    All ranks draw the same number of numbers from identically seeded generators
    (``randomness.diff_rank_seed=False``, the default), so rank 0's state, the one saved, is
    every rank's; with ``diff_rank_seed=True`` the other ranks resume with rank 0's stream
    (logged).
    """

    priority = 'VERY_HIGH'  # capture before, and restore before, any other hook draws

    def __init__(self):
        self._state = None
        self._resumed_state = None

    def before_train_iter(self, runner, batch_idx, data_batch=None) -> None:
        if self._resumed_state is not None:
            if runner.iter > 0:
                self._state = self._resumed_state
                if runner.world_size > 1 and runner.cfg.get('randomness', {}).get('diff_rank_seed'):
                    print_log('TrainRandomStateHook: diff_rank_seed=True — every rank resumes '
                              "with rank 0's random stream", logger='current',
                              level=logging.WARNING)
            self._resumed_state = None
        if self._state is not None:
            restore_random_state(self._state)

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None) -> None:
        self._state = capture_random_state()

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        checkpoint['random_state'] = (self._state if self._state is not None
                                      else capture_random_state())

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        state = checkpoint.get('random_state')
        if state is None:
            print_log('checkpoint has no random_state (written without TrainRandomStateHook): a '
                      "resumed run's random draws will differ from the uninterrupted run's",
                      logger='current', level=logging.WARNING)
        self._resumed_state = state
