"""tools/misc/pretrain_tiny_backbone.py: trains the tiny pixel backbone and writes it back in the
layouts stage 3 loads (SD1.5 folder + MotionAdapter) without losing a weight."""
import importlib.util
import os
import os.path as osp
import sys

import torch

from tests.tool_process import run_command

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TOOL = osp.join(ROOT, 'tools', 'misc', 'pretrain_tiny_backbone.py')


def test_split_round_trip_reproduces_the_motion_unet(tmp_path):
    from diffusers import MotionAdapter, UNet2DConditionModel, UNetMotionModel

    from finephys.models.generators import write_tiny_motion_adapter, write_tiny_sd15_folder
    spec = importlib.util.spec_from_file_location('pretrain_tiny_backbone', TOOL)
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    sd = write_tiny_sd15_folder(str(tmp_path / 'sd'), pixel_space=True)
    ma = write_tiny_motion_adapter(str(tmp_path / 'ma'))
    unet2d = UNet2DConditionModel.from_pretrained(sd, subfolder='unet')
    motion = UNetMotionModel.from_unet2d(unet2d, MotionAdapter.from_pretrained(ma)).eval()
    torch.manual_seed(0)
    with torch.no_grad():                      # stand-in for training: every weight moves
        for p in motion.parameters():
            p.add_(0.02 * torch.randn_like(p))
    tool.split_motion_unet(motion, unet2d.config).save_pretrained(str(tmp_path / 'out_unet'))
    motion.save_motion_modules(str(tmp_path / 'out_ma'))
    again = UNetMotionModel.from_unet2d(
        UNet2DConditionModel.from_pretrained(str(tmp_path / 'out_unet')),
        MotionAdapter.from_pretrained(str(tmp_path / 'out_ma'))).eval()
    x, text = torch.randn(1, 3, 4, 16, 16), torch.randn(4, 77, 32)
    with torch.no_grad():
        a = motion(x, 10, encoder_hidden_states=text).sample
        b = again(x, 10, encoder_hidden_states=text).sample
    torch.testing.assert_close(a, b)


def test_tool_trains_and_writes_loadable_folders(tmp_path):
    from finephys.models.generators import (AnimateDiffGenerator, write_tiny_motion_adapter,
                                            write_tiny_sd15_folder)
    sd = write_tiny_sd15_folder(str(tmp_path / 'sd'), pixel_space=True, texts=['stag jump'])
    ma = write_tiny_motion_adapter(str(tmp_path / 'ma'))
    out = str(tmp_path / 'out')
    r = run_command([sys.executable, TOOL, sd, ma, '--out', out, '--iters', '4',
                     '--batch-size', '1', '--frames', '4', '--clip-frames', '8',
                     '--clips', '2'], cwd=ROOT, env=dict(os.environ, PYTHONPATH=ROOT))
    assert r.returncode == 0, r.stderr[-2000:]
    assert 'RESULT pretrain_loss_first=' in r.stdout and 'RESULT pretrain_loss_last=' in r.stdout
    assert osp.isfile(osp.join(out, 'pretrain_loss.png'))
    gen = AnimateDiffGenerator(osp.join(out, 'sd15'), osp.join(out, 'motion_adapter'),
                               pixel_space=True)
    before = AnimateDiffGenerator(sd, ma, pixel_space=True)
    moved = [not torch.equal(p, q) for (n, p), (_, q) in
             zip(gen.unet.named_parameters(), before.unet.named_parameters()) if 'lora_' not in n]
    assert all(moved)                          # every base and motion weight was trained
    r = run_command([sys.executable, TOOL, str(tmp_path / 'nope'), ma, '--out', out],
                    cwd=ROOT, env=dict(os.environ, PYTHONPATH=ROOT))
    assert r.returncode == 2 and 'error: pretrained model folder not found' in r.stderr
    assert 'Traceback' not in r.stderr
