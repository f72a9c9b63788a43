from .hooks import ParameterSyncCheckHook, SafeCheckpointHook
from .optim_constructors import FinePhysOptimWrapperConstructor

__all__ = ['SafeCheckpointHook', 'ParameterSyncCheckHook', 'FinePhysOptimWrapperConstructor']
