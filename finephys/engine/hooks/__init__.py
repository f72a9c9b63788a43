from .generation_visualization_hook import GenerationVisualizationHook
from .parameter_sync_check_hook import ParameterSyncCheckHook
from .safe_checkpoint_hook import SafeCheckpointHook

__all__ = ['SafeCheckpointHook', 'ParameterSyncCheckHook', 'GenerationVisualizationHook']
