"""Trim FineGym source videos into event and element (subaction) clips, MMAction2's layout.

    python tools/dataset_converters/trim_finegym_videos.py ANNOTATION_JSON \\
        --videos-dir data/finegym/videos --out-dir data/finegym \\
        [--what events subactions] [--clip-list gym99_train_element_v1.1.txt] [--crf 18]

ANNOTATION_JSON: FineGym's ``finegym_annotation_info_v1.1.json`` — ``{youtube_id: {event_id:
{"event", "timestamps": [[s, e]], "segments": {subaction_id: {"stages", "timestamps": [[s, e],
...]}}}}}``, event times in seconds of the source video, segment times relative to the event
start — or the per-event form ``{"<youtube_id>_E_<s>_<e>": {subaction_id: {"timestamps":
...}}}``. A subaction spans its first stage's start to its last stage's end.

Writes ``<out-dir>/events/<youtube_id>_E_<s>_<e>.mp4`` and ``<out-dir>/subactions/<youtube_id>
_E_<s>_<e>_A_<s>_<e>.mp4``: the source frames whose time t satisfies start ≤ t < end, at the
source frame rate, H.264 (PyAV's bundled FFmpeg; no system ffmpeg). Source videos are found as
``<videos-dir>/<youtube_id>.{mp4,mkv,webm,avi,mov}``.

Resumable: every clip is written to a temporary file and renamed when complete, so a clip that
exists is done and is skipped on the next run (``--overwrite`` redoes it). A missing or
undecodable source video is logged and counted, never a crash; a malformed annotation file is
one error (exit 2). Ends with ``RESULT`` lines: written, skipped_existing, missing_source,
failed.
"""
import argparse
import json
import os
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

from finephys.utils.launch import UserInputError, friendly_errors  # noqa: E402

SOURCE_EXTENSIONS = ('.mp4', '.mkv', '.webm', '.avi', '.mov')


def plan_clips(annotation: dict, what=('events', 'subactions'), keep=None):
    """The clips an annotation asks for.

    Args:
        annotation (dict): Either form of FineGym's annotation JSON (module docstring).
        what (tuple[str]): ``'events'`` and/or ``'subactions'``.
        keep (set[str], optional): Only these clip names (subactions; events are kept when one
            of their subactions is).

    Returns:
        list[dict]: ``kind`` (``'events'`` / ``'subactions'``), ``name``, ``youtube_id``,
        ``start``, ``end`` (seconds of the source video), sorted by source and start.

    Raises:
        UserInputError: a structure neither form describes (naming the key).
    """
    from finephys.datasets import format_event_id, parse_element_id
    from finephys.utils.launch import InputDataError
    clips = []

    def add_event(yt, event_name, start, end, segments):
        subs = []
        for sub_id, seg in (segments or {}).items():
            stamps = seg.get('timestamps') if isinstance(seg, dict) else None
            if not stamps or not all(len(s) == 2 for s in stamps):
                raise UserInputError(f'annotation: {event_name}/{sub_id}: expected '
                                     '"timestamps": [[start, end], ...]')
            name = sub_id if sub_id.startswith(event_name) else f'{event_name}_{sub_id}'
            subs.append(dict(kind='subactions', name=name, youtube_id=yt,
                             start=start + float(stamps[0][0]), end=start + float(stamps[-1][1])))
        if keep is not None:
            subs = [s for s in subs if s['name'] in keep]
            if not subs:
                return
        if 'events' in what:
            clips.append(dict(kind='events', name=event_name, youtube_id=yt, start=start,
                              end=end))
        if 'subactions' in what:
            clips.extend(subs)

    if not isinstance(annotation, dict):
        raise UserInputError('annotation: expected a JSON object')
    for key, value in annotation.items():
        if not isinstance(value, dict):
            raise UserInputError(f'annotation: {key!r} maps to {type(value).__name__}, expected '
                                 'an object')
        events = [v for v in value.values() if isinstance(v, dict) and 'timestamps' in v
                  and ('segments' in v or 'event' in v)]
        if events and len(events) == len(value):          # {youtube_id: {event_id: {...}}}
            for event_id, ev in value.items():
                stamps = ev['timestamps']
                if not stamps or len(stamps[0]) != 2:
                    raise UserInputError(f'annotation: {key}/{event_id}: expected "timestamps": '
                                         '[[start, end]]')
                start, end = float(stamps[0][0]), float(stamps[-1][1])
                name = (event_id if event_id.startswith(key) else
                        f'{key}_{event_id}' if event_id.startswith('E_') else
                        format_event_id(key, start, end))
                add_event(key, name, start, end, ev.get('segments'))
            continue
        try:                                               # {"<yt>_E_<s>_<e>": {sub: {...}}}
            ev = parse_element_id(key)
        except InputDataError:
            raise UserInputError(f'annotation: key {key!r} is neither a YouTube id with events '
                                 'nor an event id "<youtube_id>_E_<start>_<end>"') from None
        start, end = ev.absolute_span          # an event id: the event's own span
        add_event(ev.youtube_id, key, float(start), float(end), value)
    clips.sort(key=lambda c: (c['youtube_id'], c['start'], c['kind'], c['name']))
    return clips


def find_source(videos_dir: str, youtube_id: str):
    for ext in SOURCE_EXTENSIONS:
        path = osp.join(videos_dir, youtube_id + ext)
        if osp.isfile(path):
            return path
    return None


def trim_clip(src: str, dst: str, start: float, end: float, crf: int = 18) -> int:
    """Write the frames of ``src`` with ``start ≤ t < end`` (seconds) to ``dst`` (H.264,
    the source's frame rate), through a temporary file renamed at the end.

    Returns:
        int: Frames written.

    Raises:
        ValueError: no frame in the span, or a source PyAV cannot read.
    """
    import av
    from fractions import Fraction
    tmp = osp.join(osp.dirname(osp.abspath(dst)), f'.{osp.basename(dst)}.tmp-{os.getpid()}.mp4')
    os.makedirs(osp.dirname(osp.abspath(dst)), exist_ok=True)
    written = 0
    try:
        with av.open(src) as inp:
            stream = inp.streams.video[0]
            rate = stream.average_rate or stream.guessed_rate or Fraction(30)
            tb = stream.time_base
            # seek to the keyframe at or before start, then decode forward
            inp.seek(max(int(start / tb) - 1, 0) if start > 0 else 0, stream=stream,
                     backward=True, any_frame=False)
            out = None
            with av.open(tmp, 'w', format='mp4') as container:
                for frame in inp.decode(stream):
                    t = float(frame.pts * tb) if frame.pts is not None else None
                    if t is None or t + 1e-6 < start:
                        continue
                    if t >= end - 1e-6:
                        break
                    if out is None:
                        out = container.add_stream('libx264', rate=rate)
                        out.width, out.height = frame.width // 2 * 2, frame.height // 2 * 2
                        out.pix_fmt = 'yuv420p'
                        out.options = {'crf': str(int(crf))}
                        out.codec_context.time_base = 1 / Fraction(rate)
                    img = frame.reformat(width=out.width, height=out.height, format='yuv420p')
                    # timestamps in frames of the source rate: the clip plays at that rate
                    img.pts, img.time_base = written, 1 / Fraction(rate)
                    for packet in out.encode(img):
                        container.mux(packet)
                    written += 1
                if out is not None:
                    for packet in out.encode():
                        container.mux(packet)
        if not written:
            raise ValueError(f'{src}: no frame between {start:.3f} s and {end:.3f} s')
        os.replace(tmp, dst)
    finally:
        if osp.exists(tmp):
            os.remove(tmp)
    return written


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument('annotation')
    p.add_argument('--videos-dir', required=True, help='source videos <youtube_id>.<ext>')
    p.add_argument('--out-dir', required=True, help='writes events/ and subactions/ here')
    p.add_argument('--what', nargs='+', default=['events', 'subactions'],
                   choices=['events', 'subactions'])
    p.add_argument('--clip-list', default=None,
                   help='only these subactions (a split list "<clip_id> <label>" or one id a line)')
    p.add_argument('--crf', type=int, default=18, help='H.264 quality (lower: better, larger)')
    p.add_argument('--overwrite', action='store_true', help='redo clips that exist')
    p.add_argument('--no-progress', action='store_true')
    args = p.parse_args(argv)
    with friendly_errors('trim_finegym_videos.py'):
        from tqdm import tqdm
        if not osp.isfile(args.annotation):
            raise UserInputError(f'annotation file not found: {args.annotation}')
        if not osp.isdir(args.videos_dir):
            raise UserInputError(f'--videos-dir not found: {args.videos_dir}')
        try:
            with open(args.annotation, encoding='utf-8') as f:
                annotation = json.load(f)
        except ValueError as err:
            raise UserInputError(f'{args.annotation}: not valid JSON ({err})') from err
        keep = None
        if args.clip_list:
            if not osp.isfile(args.clip_list):
                raise UserInputError(f'--clip-list not found: {args.clip_list}')
            with open(args.clip_list, encoding='utf-8') as f:
                keep = {line.split()[0] for line in f if line.strip()}
        clips = plan_clips(annotation, tuple(args.what), keep)
        counts = dict(written=0, skipped_existing=0, missing_source=0, failed=0)
        missing = set()
        bar = tqdm(clips, desc='trimming', unit='clip', disable=args.no_progress)
        for clip in bar:
            dst = osp.join(args.out_dir, clip['kind'], clip['name'] + '.mp4')
            if osp.isfile(dst) and not args.overwrite:
                counts['skipped_existing'] += 1
                continue
            src = find_source(args.videos_dir, clip['youtube_id'])
            if src is None:
                counts['missing_source'] += 1
                if clip['youtube_id'] not in missing:
                    missing.add(clip['youtube_id'])
                    tqdm.write(f'missing source video {clip["youtube_id"]} in {args.videos_dir} '
                               f'(tried {", ".join(SOURCE_EXTENSIONS)}): its clips are skipped')
                continue
            try:
                trim_clip(src, dst, clip['start'], clip['end'], args.crf)
                counts['written'] += 1
            except Exception as err:     # one bad source never stops the conversion
                counts['failed'] += 1
                tqdm.write(f'failed {clip["name"]}: {type(err).__name__}: {err}')
        bar.close()
        print(f'{len(clips)} clips planned: {counts}')
        for k, v in counts.items():
            print(f'RESULT {k}={v}')


if __name__ == '__main__':
    main()
