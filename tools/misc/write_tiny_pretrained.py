"""Write tiny random stand-ins of the pretrained folders (SD1.5 layout + AnimateDiff
MotionAdapter) for CPU runs and tests — loaded through the same from_pretrained calls as real
weights.

    python tools/misc/write_tiny_pretrained.py --out work_dirs/pretrained

Writes ``tiny-sd15-pixel/`` (3-channel UNet, no VAE: the CPU default), ``tiny-sd15/`` (latent
UNet + tiny VAE, the SD1.5-shaped path) and ``tiny-motion-adapter/``. The tokenizer's BPE merges
are learnt from SynthGym's action names and descriptions.
"""
import argparse
import os.path as osp


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument('--out', default='work_dirs/pretrained')
    args = p.parse_args()
    # after the arguments: diffusers and torch take ~9 s to import, --help none
    from finephys.datasets.synthgym import ACTIONS, describe
    from finephys.models.generators import write_tiny_motion_adapter, write_tiny_sd15_folder
    texts = list(ACTIONS) + [describe(a) for a in ACTIONS]
    write_tiny_sd15_folder(osp.join(args.out, 'tiny-sd15-pixel'), texts=texts, pixel_space=True)
    write_tiny_sd15_folder(osp.join(args.out, 'tiny-sd15'), texts=texts)
    write_tiny_motion_adapter(osp.join(args.out, 'tiny-motion-adapter'))
    print(f'tiny pretrained stand-ins written to {osp.abspath(args.out)}')


if __name__ == '__main__':
    main()
