from .functional import frechet_distance, mpjpe, n_mpjpe, p_mpjpe, procrustes_align
from .metrics import (CLIPSimMetric, FVDMetric, GuidanceFidelityMetric, MotionPlausibilityMetric,
                      PhysicsMetric, PickScoreMetric, Pose3DMetric)
from .test_report import PAPER_COLUMNS, paper_table, write_test_report

__all__ = ['Pose3DMetric', 'PhysicsMetric', 'GuidanceFidelityMetric', 'FVDMetric',
           'CLIPSimMetric', 'PickScoreMetric', 'MotionPlausibilityMetric', 'mpjpe', 'p_mpjpe',
           'n_mpjpe', 'procrustes_align', 'frechet_distance', 'PAPER_COLUMNS', 'paper_table',
           'write_test_report']
