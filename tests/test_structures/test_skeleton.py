import numpy as np
import pytest

from finephys.structures import COCO17, H36M17, bone_lengths, coco17_to_h36m17, flip_keypoints


def test_h36m_tree_is_rooted_at_pelvis_and_parents_precede_children():
    assert H36M17.num_joints == 17 and H36M17.parents[0] == -1
    assert all(p < c for c, p in enumerate(H36M17.parents) if p >= 0)
    assert len(H36M17.bones) == 16


@pytest.mark.parametrize('spec', [H36M17, COCO17])
def test_flip_permutation_is_an_involution_that_swaps_left_and_right(spec):
    perm = spec.flip_permutation
    assert np.array_equal(perm[perm], np.arange(spec.num_joints))
    for i, name in enumerate(spec.joint_names):
        other = spec.joint_names[perm[i]]
        assert other == name.replace('left', 'TMP').replace('right', 'left').replace('TMP', 'right')


def test_coco_to_h36m_matches_a_by_name_computation():
    rng = np.random.default_rng(0)
    coco = rng.normal(size=(5, 17, 2))
    scores = rng.uniform(size=(5, 17))
    h36m, s = coco17_to_h36m17(coco, scores)
    c = {n: coco[:, i] for i, n in enumerate(COCO17.joint_names)}
    cs = {n: scores[:, i] for i, n in enumerate(COCO17.joint_names)}
    expect = {
        'pelvis': (c['left_hip'] + c['right_hip']) / 2,
        'thorax': (c['left_shoulder'] + c['right_shoulder']) / 2,
        'neck': c['nose'],
        'head': (c['left_ear'] + c['right_ear']) / 2,
    }
    expect['spine'] = (expect['pelvis'] + expect['thorax']) / 2
    for limb in ('left_knee', 'right_wrist', 'left_ankle', 'right_shoulder'):
        expect[limb] = c[limb]
    for name, value in expect.items():
        np.testing.assert_allclose(h36m[:, H36M17.index(name)], value)
    np.testing.assert_allclose(s[:, H36M17.index('pelvis')],
                               np.minimum(cs['left_hip'], cs['right_hip']))
    np.testing.assert_allclose(s[:, H36M17.index('left_elbow')], cs['left_elbow'])


def test_coco_to_h36m_rejects_wrong_joint_count():
    with pytest.raises(ValueError, match='17 COCO joints'):
        coco17_to_h36m17(np.zeros((4, 18, 2)))


def test_bone_lengths_and_flip():
    x = np.zeros((17, 3))
    x[H36M17.index('left_hip')] = [0, 0.1, 0]
    lengths = bone_lengths(x)
    assert lengths[[c for _, c in H36M17.bones].index(H36M17.index('left_hip'))] == pytest.approx(0.1)
    flipped = flip_keypoints(x)
    assert flipped[H36M17.index('right_hip'), 1] == pytest.approx(0.1)


def test_unknown_joint_name_lists_valid_names():
    with pytest.raises(KeyError, match='valid'):
        H36M17.index('tail')
