from .euler_lagrange_solver import EulerLagrangeSolver, FiniteDifferenceSolver
from .phys_net import PhysNet
from .rollout import (finite_difference_acceleration, merge_rollouts, rollout_backward,
                      rollout_forward)

__all__ = ['EulerLagrangeSolver', 'FiniteDifferenceSolver', 'PhysNet', 'rollout_forward',
           'rollout_backward', 'merge_rollouts', 'finite_difference_acceleration']
