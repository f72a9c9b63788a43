from .train_step_distributed_data_parallel import (TrainStepDistributedDataParallel,
                                                   average_gradients)

__all__ = ['TrainStepDistributedDataParallel', 'average_gradients']
