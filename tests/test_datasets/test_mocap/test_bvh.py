import numpy as np
import pytest

from finephys.datasets.mocap import BVHError, bvh_forward_kinematics, bvh_to_h36m17, read_bvh
from finephys.structures import H36M17

CHAIN_BVH = """HIERARCHY
ROOT Hips
{
  OFFSET 0 0 0
  CHANNELS 6 Xposition Yposition Zposition Zrotation Xrotation Yrotation
  JOINT Knee
  {
    OFFSET 0 -10 0
    CHANNELS 3 Zrotation Xrotation Yrotation
    End Site
    {
      OFFSET 0 -5 0
    }
  }
}
MOTION
Frames: 2
Frame Time: 0.5
1 2 3 0 0 0 0 0 0
0 0 0 90 0 0 0 0 90
"""


def test_forward_kinematics_against_hand_computed_poses(tmp_path):
    path = tmp_path / 'chain.bvh'
    path.write_text(CHAIN_BVH)
    bvh = read_bvh(str(path))
    assert [j['name'] for j in bvh['joints']] == ['Hips', 'Knee', 'Knee_end']
    assert bvh['frame_time'] == 0.5
    pos = bvh_forward_kinematics(bvh)
    # frame 0: translated by (1, 2, 3), no rotation
    np.testing.assert_allclose(pos['Hips'][0], [1, 2, 3])
    np.testing.assert_allclose(pos['Knee'][0], [1, -8, 3])
    np.testing.assert_allclose(pos['Knee_end'][0], [1, -13, 3])
    # frame 1: hips rotated 90° about z: (0, -10, 0) → (10, 0, 0); knee then 90° about y:
    # R_z(90) R_y(90) (0, -5, 0) = R_z(90) (0, -5, 0) = (5, 0, 0)
    np.testing.assert_allclose(pos['Knee'][1], [10, 0, 0], atol=1e-12)
    np.testing.assert_allclose(pos['Knee_end'][1], [15, 0, 0], atol=1e-12)


def _cmu_bvh():
    """A CMU-named skeleton (centimetres, y up) standing still for 3 frames."""
    joints = [('Hips', None, (0, 90, 0)), ('LeftUpLeg', 'Hips', (10, 0, 0)),
              ('LeftLeg', 'LeftUpLeg', (0, -42, 0)), ('LeftFoot', 'LeftLeg', (0, -40, 0)),
              ('RightUpLeg', 'Hips', (-10, 0, 0)), ('RightLeg', 'RightUpLeg', (0, -42, 0)),
              ('RightFoot', 'RightLeg', (0, -40, 0)), ('Spine', 'Hips', (0, 10, 0)),
              ('Spine1', 'Spine', (0, 15, 0)), ('Neck', 'Spine1', (0, 25, 0)),
              ('Head', 'Neck', (0, 8, 0)), ('LeftArm', 'Neck', (17, -3, 0)),
              ('LeftForeArm', 'LeftArm', (28, 0, 0)), ('LeftHand', 'LeftForeArm', (25, 0, 0)),
              ('RightArm', 'Neck', (-17, -3, 0)), ('RightForeArm', 'RightArm', (-28, 0, 0)),
              ('RightHand', 'RightForeArm', (-25, 0, 0))]
    children = {}
    for name, parent, _ in joints:
        children.setdefault(parent, []).append(name)
    offsets = {n: o for n, _, o in joints}
    lines = ['HIERARCHY']

    def block(name, depth, root=False):
        pad = '  ' * depth
        lines.append(f'{pad}{"ROOT" if root else "JOINT"} {name}')
        lines.append(pad + '{')
        lines.append(f'{pad}  OFFSET ' + ' '.join(str(v) for v in offsets[name]))
        ch = ('6 Xposition Yposition Zposition Zrotation Xrotation Yrotation' if root
              else '3 Zrotation Xrotation Yrotation')
        lines.append(f'{pad}  CHANNELS {ch}')
        for c in children.get(name, []):
            block(c, depth + 1)
        if name == 'Head':
            lines.extend([f'{pad}  End Site', pad + '  {', f'{pad}    OFFSET 0 16 0',
                          pad + '  }'])
        lines.append(pad + '}')

    block('Hips', 0, root=True)
    n_ch = 6 + 3 * (len(joints) - 1)
    lines += ['MOTION', 'Frames: 3', 'Frame Time: 0.0333333']
    lines += [' '.join(['0', '90', '0'] + ['0'] * (n_ch - 3))] * 3
    return '\n'.join(lines) + '\n'


def test_bvh_to_h36m17_maps_names_units_and_axes(tmp_path):
    path = tmp_path / 'cmu.bvh'
    path.write_text(_cmu_bvh())
    joints, fps = bvh_to_h36m17(str(path))
    assert joints.shape == (3, 17, 3) and fps == pytest.approx(30.0, rel=1e-5)
    j = lambda n: joints[0, H36M17.index(n)]
    # centimetres → metres, y up → z up: the pelvis 0.9 m up, the head top 0.9 + 0.74 m
    np.testing.assert_allclose(j('pelvis'), [0, 0, 1.80], atol=1e-9)
    np.testing.assert_allclose(j('head'), [0, 0, 1.80 + 0.74], atol=1e-9)
    np.testing.assert_allclose(j('neck'), [0, 0, 1.80 + 0.66], atol=1e-9)   # mid head / top
    np.testing.assert_allclose(j('left_ankle'), [0.1, 0, 1.80 - 0.82], atol=1e-9)
    # BVH +x → world +x, BVH +z → world −y
    np.testing.assert_allclose(j('left_wrist') - j('left_shoulder'), [0.53, 0, 0], atol=1e-9)


def test_bvh_errors_name_file_and_line(tmp_path):
    bad = tmp_path / 'bad.bvh'
    bad.write_text(CHAIN_BVH.replace('OFFSET 0 -10 0', 'OFFSET 0 x 0'))
    with pytest.raises(BVHError, match=r'bad.bvh:\d+: expected a number'):
        read_bvh(str(bad))
    short = tmp_path / 'short.bvh'
    short.write_text(CHAIN_BVH.rsplit('\n', 2)[0] + '\n')
    with pytest.raises(BVHError, match='motion values'):
        read_bvh(str(short))
    nomap = tmp_path / 'nomap.bvh'
    nomap.write_text(CHAIN_BVH)
    with pytest.raises(BVHError, match='no joint for H36M'):
        bvh_to_h36m17(str(nomap))
    with pytest.raises(BVHError, match='cannot read'):
        read_bvh(str(tmp_path / 'missing.bvh'))


def test_mixamo_names_and_a_joint_named_like_an_end_site(tmp_path):
    """Mixamo prefixes names with ``mixamorig:`` and has a HeadTop_End *joint* with channels."""
    from tests.test_datasets.test_mocap.test_bvh import _cmu_bvh
    text = _cmu_bvh()
    text = text.replace('End Site\n', 'JOINT HeadTop_End\n').replace(
        '    OFFSET 0 16 0\n', '    OFFSET 0 16 0\n    CHANNELS 3 Zrotation Xrotation Yrotation\n')
    for name in ('Hips', 'LeftUpLeg', 'LeftLeg', 'LeftFoot', 'RightUpLeg', 'RightLeg',
                 'RightFoot', 'Spine1', 'Spine', 'Neck', 'Head', 'LeftArm', 'LeftForeArm',
                 'LeftHand', 'RightArm', 'RightForeArm', 'RightHand', 'HeadTop_End'):
        text = text.replace(f'JOINT {name}\n', f'JOINT mixamorig:{name}\n').replace(
            f'ROOT {name}\n', f'ROOT mixamorig:{name}\n')
    lines = text.splitlines()
    motion = lines.index('MOTION')
    lines[motion + 3:] = [line + ' 0 0 0' for line in lines[motion + 3:]]   # 3 more channels
    path = tmp_path / 'mixamo.bvh'
    path.write_text('\n'.join(lines) + '\n')
    joints, _ = bvh_to_h36m17(str(path))
    np.testing.assert_allclose(joints[0, H36M17.index('head')], [0, 0, 1.80 + 0.74], atol=1e-9)
    np.testing.assert_allclose(joints[0, H36M17.index('neck')], [0, 0, 1.80 + 0.66], atol=1e-9)
