"""A raw FineGym-layout sample written from SynthGym, to try the FineGym chain without FineGym.

    python tools/misc/write_finegym_sample.py --out work_dirs/finegym_sample \\
        [--subset FX-JUMP] [--videos 3] [--elements 5] [--size 32] [--fps 30] [--seed 0]

Writes what FineGym distributes (docs/datasets.md): source "broadcast" videos
``videos/<youtube_id>.mp4`` — SynthGym performances one after another, one every 2 s — the
annotation JSON ``annotations/finegym_annotation_info_v1.1.json`` (one event per video, one
subaction per performance, timestamps in seconds), split lists ``gym99_train_element_v1.1.txt``
(all videos but the last) and ``gym99_val_element.txt`` (the last), and ``gym99_categories.txt``
for the gym99 FX classes (names, element sets and labels from the shipped descriptions). The
videos still have to be trimmed and their 2D extracted — that is the point. Ends with
``RESULT elements=``.
"""
import argparse
import json
import os
import os.path as osp
import sys

import numpy as np

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

from finephys.utils.launch import UserInputError, friendly_errors  # noqa: E402

#: Seconds between two performances' starts in a source video (element ids stay unique: they
#: floor times to whole seconds).
SPACING = 2.0


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument('--out', required=True)
    p.add_argument('--subset', default=None, choices=['FX-JUMP', 'FX-TURN', 'FX-SALTO'],
                   help='only this subset\'s classes (default: all SynthGym classes)')
    p.add_argument('--videos', type=int, default=3)
    p.add_argument('--elements', type=int, default=5, help='performances per video')
    p.add_argument('--size', type=int, default=32, help='frame size (pixels)')
    p.add_argument('--fps', type=float, default=30.0)
    p.add_argument('--seed', type=int, default=0)
    args = p.parse_args(argv)
    with friendly_errors('write_finegym_sample.py'):
        from tqdm import tqdm

        from finephys.datasets import GYM99_FX_DESCRIPTIONS, format_element_id, load_descriptions
        from finephys.datasets.synthgym import ACTIONS, generate_clip
        from finephys.visualization.video import write_video
        if args.videos < 2 or args.elements < 1:
            raise UserInputError('--videos must be >= 2 (train + val) and --elements >= 1')
        frames = int(round(SPACING * args.fps * 2 / 3))        # a performance: 2/3 of a slot
        slot = int(round(SPACING * args.fps))
        names = [n for n, v in ACTIONS.items() if args.subset in (None, v['subset'])]
        texts = load_descriptions(GYM99_FX_DESCRIPTIONS)
        ann_dir = osp.join(args.out, 'annotations')
        os.makedirs(ann_dir, exist_ok=True)
        os.makedirs(osp.join(args.out, 'videos'), exist_ok=True)
        with open(osp.join(ann_dir, 'gym99_categories.txt'), 'w') as f:
            for label in sorted(texts):
                t = texts[label]
                f.write(f'Clabel: {label:3d}; set: {t["set"]}; Glabel: {100 + label:3d}; '
                        f'(FX) {t["name"]}\n')
        annotation, splits = {}, dict(train=[], val=[])
        k = 0
        for v in tqdm(range(args.videos), desc='source videos', unit='video'):
            yt = f'synthgym-{args.seed}_v{v:02d}'
            video, segments = [], {}
            for e in range(args.elements):
                action = names[k % len(names)]
                c = generate_clip(action, args.seed * 100003 + k, num_frames=frames,
                                  fps=args.fps, render_size=args.size)
                k += 1
                pad = np.repeat(c['video'][-1:], slot - frames, 0)   # the gymnast holds still
                video += [c['video'], pad]
                start, end = e * SPACING, e * SPACING + frames / args.fps
                clip_id = format_element_id(yt, 0, args.elements * SPACING, start, end)
                segments['A_' + clip_id.rsplit('_A_', 1)[1]] = dict(
                    stages=1, timestamps=[[start, end]])
                splits['val' if v == args.videos - 1 else 'train'].append(
                    f'{clip_id} {ACTIONS[action]["label"]}')
            write_video(osp.join(args.out, 'videos', f'{yt}.mp4'), np.concatenate(video),
                        fps=args.fps)
            event = f'E_{0:06d}_{int(args.elements * SPACING):06d}'
            annotation[yt] = {event: dict(event=4, timestamps=[[0.0, args.elements * SPACING]],
                                          segments=segments)}
        with open(osp.join(ann_dir, 'finegym_annotation_info_v1.1.json'), 'w') as f:
            json.dump(annotation, f, indent=1)
        for split, name in (('train', 'gym99_train_element_v1.1.txt'),
                            ('val', 'gym99_val_element.txt')):
            with open(osp.join(ann_dir, name), 'w') as f:
                f.write('\n'.join(splits[split]) + '\n')
        print(f'{k} elements in {args.videos} source videos -> {args.out}')
        print(f'RESULT elements={k}')


if __name__ == '__main__':
    main()
