from .atomic_checkpoint_hook import AtomicCheckpointHook
from .bad_sample_summary_hook import BadSampleSummaryHook
from .generation_visualization_hook import GenerationVisualizationHook
from .non_finite_guard_hook import NonFiniteGuardHook, NonFiniteTrainingError
from .progress_bar_hook import EvalProgressBarHook
from .parameter_sync_check_hook import ParameterSyncCheckHook
from .prompt_pool_hook import PromptPoolHook
from .safe_checkpoint_hook import SafeCheckpointHook
from .train_random_state_hook import TrainRandomStateHook

__all__ = ['SafeCheckpointHook', 'ParameterSyncCheckHook', 'GenerationVisualizationHook',
           'AtomicCheckpointHook', 'NonFiniteGuardHook', 'NonFiniteTrainingError',
           'TrainRandomStateHook', 'BadSampleSummaryHook', 'PromptPoolHook',
           'EvalProgressBarHook']
