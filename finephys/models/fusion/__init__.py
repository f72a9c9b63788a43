from .complementary_fuser import ComplementaryFuser
from .gated_fuser import LearnedGateFuser
from .physics_com import PhysicsCentreOfMass, centre_of_mass
from .projection import project_points

__all__ = ['LearnedGateFuser', 'ComplementaryFuser', 'project_points', 'PhysicsCentreOfMass',
           'centre_of_mass']
