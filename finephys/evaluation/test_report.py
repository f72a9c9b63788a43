"""The report ``tools/test.py`` writes: every metric as JSON, and markdown tables with the
video-generation metrics in the column order of FinePhys' Table 1."""
import json
import math
import os
import os.path as osp
from typing import Optional

#: (metric key, column title, better) in Table 1's order: CLIP-SIM text / domain / smooth,
#: PickScore, FVD.
PAPER_COLUMNS = (('video/clip_sim_text', 'CLIP-SIM text', '↑'),
                 ('video/clip_sim_domain', 'CLIP-SIM domain', '↑'),
                 ('video/clip_sim_smooth', 'CLIP-SIM smooth', '↑'),
                 ('video/pickscore', 'PickScore', '↑'),
                 ('video/fvd', 'FVD', '↓'))


def format_value(value) -> str:
    """A metric for a table: integers as they are, floats with 4 decimals (1 from 1000 on, as
    FVD is reported), None / NaN as —."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return '—'
    if isinstance(value, (bool, int)):
        return str(value)
    return f'{value:.1f}' if abs(value) >= 1000 else f'{value:.4f}'


def paper_table(metrics: dict, name: str = 'this model') -> str:
    """A markdown table in Table 1's column order; a metric not computed is —."""
    head = '| | ' + ' | '.join(f'{title} {better}' for _, title, better in PAPER_COLUMNS) + ' |'
    rule = '|---|' + '---:|' * len(PAPER_COLUMNS)
    row = f'| {name} | ' + ' | '.join(format_value(metrics.get(k)) for k, _, _ in
                                      PAPER_COLUMNS) + ' |'
    return '\n'.join([head, rule, row])


def all_metrics_table(metrics: dict) -> str:
    """Every metric, one per row, in the evaluator's order."""
    lines = ['| metric | value |', '|---|---:|']
    lines += [f'| `{k}` | {format_value(v)} |' for k, v in metrics.items()]
    return '\n'.join(lines)


def write_test_report(metrics: dict, out_dir: str, meta: Optional[dict] = None,
                      stem: str = 'test_report') -> tuple:
    """Write ``<stem>.json`` (``{"meta": ..., "metrics": ...}``) and ``<stem>.md`` (the Table 1
    columns, then every metric) into ``out_dir``.

    Returns:
        tuple: The two paths.
    """
    os.makedirs(out_dir, exist_ok=True)
    meta = dict(meta or {})
    clean = {k: (float(v) if isinstance(v, float) else v) for k, v in metrics.items()}
    json_path, md_path = osp.join(out_dir, f'{stem}.json'), osp.join(out_dir, f'{stem}.md')
    with open(json_path, 'w') as f:
        json.dump(dict(meta=meta, metrics=clean), f, indent=2, allow_nan=True)
    name = osp.splitext(osp.basename(str(meta.get('config', 'this model'))))[0]
    lines = [f'# Test report: {name}', '']
    lines += [f'- {k}: `{v}`' for k, v in meta.items()]
    lines += ['', "## FinePhys' Table 1 columns", '', paper_table(clean, name), '',
              '## Every metric', '', all_metrics_table(clean), '']
    with open(md_path, 'w') as f:
        f.write('\n'.join(lines))
    return json_path, md_path
