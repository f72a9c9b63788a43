from .euler_lagrange_solver import EulerLagrangeSolver, FiniteDifferenceSolver
from .contact_net import BODY_SUPPORT, CONTACT_JOINTS, ContactNet
from .phys_net import PhysNet
from .structured_physics_solver import StructuredPhysicsSolver
from .rollout import (finite_difference_acceleration, merge_rollouts, rollout_backward,
                      rollout_forward)

__all__ = ['EulerLagrangeSolver', 'FiniteDifferenceSolver', 'StructuredPhysicsSolver',
           'ContactNet', 'CONTACT_JOINTS', 'BODY_SUPPORT', 'PhysNet', 'rollout_forward',
           'rollout_backward', 'merge_rollouts', 'finite_difference_acceleration']
