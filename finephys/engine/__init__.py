from .hooks import (AtomicCheckpointHook, NonFiniteGuardHook, ParameterSyncCheckHook,
                    PromptPoolHook, SafeCheckpointHook, TrainRandomStateHook)
from .loops import ResumableEpochBasedTrainLoop, ResumableIterBasedTrainLoop
from .optim_constructors import FinePhysOptimWrapperConstructor

__all__ = ['SafeCheckpointHook', 'ParameterSyncCheckHook', 'FinePhysOptimWrapperConstructor',
           'AtomicCheckpointHook', 'NonFiniteGuardHook', 'TrainRandomStateHook',
           'ResumableEpochBasedTrainLoop', 'ResumableIterBasedTrainLoop', 'PromptPoolHook']
