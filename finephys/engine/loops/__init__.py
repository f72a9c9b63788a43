from .resumable_train_loops import ResumableEpochBasedTrainLoop, ResumableIterBasedTrainLoop

__all__ = ['ResumableEpochBasedTrainLoop', 'ResumableIterBasedTrainLoop']
