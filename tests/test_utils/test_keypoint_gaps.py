import numpy as np
import pytest

from finephys.utils.keypoint_gaps import fill_missing_keypoints, missing_keypoints_mask


def test_gaps_are_interpolated_in_time_and_flagged():
    rng = np.random.default_rng(0)
    kp = rng.random((10, 17, 2)) * 100
    scores = rng.uniform(0.5, 1, (10, 17))
    truth = kp.copy()
    kp[3:6, 4] = np.nan          # NaN in a file
    scores[7, 2] = 0.0           # not detected
    scores[0, 9] = 0.0           # before the first observation: held
    kp[8] = 0.0                  # a lost frame stored as (0, 0) with score 0
    scores[8] = 0.0
    filled, s, missing = fill_missing_keypoints(kp, scores)
    assert missing.sum() == 3 + 1 + 1 + 17 and missing[8].all()
    for f in (3, 4, 5):          # independent computation: the straight line from 2 to 6
        w = (f - 2) / 4
        np.testing.assert_allclose(filled[f, 4], (1 - w) * truth[2, 4] + w * truth[6, 4])
    # joint 2 is missing at 7 and 8 (lost frame): observed at 6 and 9
    np.testing.assert_allclose(filled[7, 2], truth[6, 2] * 2 / 3 + truth[9, 2] / 3)
    np.testing.assert_allclose(filled[8, 2], truth[6, 2] / 3 + truth[9, 2] * 2 / 3)
    others = np.arange(17) != 2
    np.testing.assert_allclose(filled[8, others], (truth[7, others] + truth[9, others]) / 2)
    np.testing.assert_allclose(filled[0, 9], truth[1, 9])
    assert (s[missing] == 0).all() and (s[~missing] == scores[~missing]).all()
    assert np.isfinite(filled).all()
    np.testing.assert_array_equal(missing, missing_keypoints_mask(kp, scores))


def test_a_joint_never_seen_takes_the_frame_centroid_and_no_person_is_an_error():
    kp = np.random.default_rng(1).random((6, 17, 2))
    scores = np.ones((6, 17))
    scores[:, 16] = 0
    filled, _, missing = fill_missing_keypoints(kp, scores)
    np.testing.assert_allclose(filled[:, 16], kp[:, :16].mean(1))
    with pytest.raises(ValueError, match='no person was found'):
        fill_missing_keypoints(kp, np.zeros((6, 17)), where='clip.npz')
