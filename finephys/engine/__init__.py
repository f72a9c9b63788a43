from .hooks import ParameterSyncCheckHook, SafeCheckpointHook

__all__ = ['SafeCheckpointHook', 'ParameterSyncCheckHook']
