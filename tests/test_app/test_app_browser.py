"""The web app in a real browser: ``tools/app.py`` serves on 127.0.0.1 (a free port), headless
Chromium (Debian's ``chromium`` + ``chromium-driver``, installed by ``tools/setup_env.sh``)
drives it through Selenium, as a user would: upload, run, watch, download; bad uploads; two
sessions at once; a session's files gone when its browser closes."""
import glob
import os
import os.path as osp
import re
import shutil
import socket
import subprocess
import sys
import time

import numpy as np
import pytest

from tests.tool_process import run_command

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CHROMIUM, CHROMEDRIVER = '/usr/bin/chromium', '/usr/bin/chromedriver'
LIMIT_MB = 1          # the bad-upload test's "larger than the configured limit"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


@pytest.fixture(scope='module')
def app_server(tmp_path_factory, realvideo_checkpoint):
    """``tools/app.py`` on a free loopback port: ``(url, tmp_dir)``."""
    for exe in (CHROMIUM, CHROMEDRIVER):
        assert osp.isfile(exe), (f'{exe} is missing: the browser tests need Debian\'s chromium '
                                 'and chromium-driver (tools/setup_env.sh installs them)')
    cfg, ckpt = realvideo_checkpoint
    tmp = str(tmp_path_factory.mktemp('app_server'))
    port = _free_port()
    log = open(osp.join(tmp, 'server.log'), 'w')
    proc = subprocess.Popen(
        [sys.executable, 'tools/app.py', '--port', str(port), '--no-example',
         '--work-dir', osp.join(tmp, 'no-demo'), '--tmp-dir', osp.join(tmp, 'app'),
         '--max-upload-mb', str(LIMIT_MB), '--skeleton', 'test model', cfg, ckpt],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
        env=dict(os.environ, PYTHONPATH=ROOT, GRADIO_TEMP_DIR=osp.join(tmp, 'app', 'uploads')))
    url = f'http://127.0.0.1:{port}/'
    deadline = time.time() + 180
    while time.time() < deadline:
        assert proc.poll() is None, open(osp.join(tmp, 'server.log')).read()[-3000:]
        try:
            socket.create_connection(('127.0.0.1', port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.5)
    else:
        raise AssertionError('the app did not start in 180 s')
    yield url, osp.join(tmp, 'app')
    proc.terminate()
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:   # a server stuck in a request: not left running
        proc.kill()
        proc.wait(30)
    log.close()


def _browser(download_dir):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for a in ('--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic',
              '--no-first-run', '--disable-background-networking', '--disable-sync',
              '--disable-component-update', '--window-size=1400,2400',
              f'--user-data-dir={download_dir}-profile'):
        opts.add_argument(a)
    opts.add_experimental_option('prefs', {'download.default_directory': download_dir,
                                           'download.prompt_for_download': False})
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)


def _wait(predicate, timeout=240, what='the page'):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.5)
    raise AssertionError(f'timed out waiting for {what() if callable(what) else what}')


def _text(driver, css):
    from selenium.webdriver.common.by import By
    els = driver.find_elements(By.CSS_SELECTOR, css)
    return els[0].text if els else ''


def _upload(driver, path, wait=True):
    """Choose a file; with ``wait``, until the app has looked at it (the preview's hint names
    it: a message, or the people found)."""
    from selenium.webdriver.common.by import By
    _wait(lambda: driver.find_elements(By.CSS_SELECTOR, '#video-in input[type=file]'),
          timeout=60, what='the upload box')[0].send_keys(path)
    if wait:
        _wait(lambda: osp.basename(path) in _text(driver, '#people-hint'), timeout=120,
              what=f'the app to read {osp.basename(path)}')


def _clear_upload(driver):
    """The file box's ✕ (Gradio's clear button), when a file is shown."""
    from selenium.webdriver.common.by import By
    for b in driver.find_elements(By.CSS_SELECTOR, '#video-in button'):
        if b.get_attribute('aria-label') in ('Clear', 'Remove'):
            driver.execute_script('arguments[0].click();', b)     # also when drawn over
            return


def _run(driver, previous=''):
    """Press Run and wait for a new status."""
    from selenium.webdriver.common.by import By
    driver.find_element(By.CSS_SELECTOR, '#run').click()
    return _wait(lambda: _finished_status(driver, previous), what='a status after Run')


def _finished_status(driver, previous=''):
    """The status once it is new and no longer shows the queue's or the progress' text."""
    t = _text(driver, '#status')
    # while running, Gradio's progress text comes first ("processing | 1.0/2.0s", "queue: 1/2",
    # our stages "3/6 stabilisation ...")
    busy = re.match(r'(processing|queue|[\d–]+/\d+ )', t.splitlines()[0] if t else '')
    return t if t and t != previous and not busy else None


def _person_box(driver):
    hint = _wait(lambda: re.search(r'--person-box ([\d. ]+)\)', _text(driver, '#people-hint')),
                 what='the person preview')
    return [float(v) for v in hint.group(1).split()]


def _download(driver, folder, suffix):
    """Click the download link whose file name ends with ``suffix``; the downloaded file."""
    from selenium.webdriver.common.by import By
    links = [a for a in driver.find_elements(By.CSS_SELECTOR, '#downloads a')
             if (a.get_attribute('href') or '').endswith(suffix)]
    assert links, f'no download link for *{suffix}'
    links[0].click()
    return _wait(lambda: [p for p in glob.glob(osp.join(folder, f'*{suffix}'))],
                 timeout=60, what=f'the {suffix} download')[0]


def _infer_skeleton(video, box, out_dir, checkpoint):
    cfg, ckpt = checkpoint
    r = run_command([sys.executable, 'tools/infer_skeleton.py', cfg, ckpt, video,
                     '--out-dir', out_dir, '--person-box', *map(str, box)],
                    cwd=ROOT, timeout=600, env=dict(os.environ, PYTHONPATH=ROOT))
    assert r.returncode == 0, r.stderr[-3000:]
    return np.load(glob.glob(osp.join(out_dir, '*_3d.npz'))[0])


def test_upload_run_play_and_download_equal_infer_skeleton(app_server, app_videos, tmp_path,
                                                           realvideo_checkpoint):
    url, _ = app_server
    driver = _browser(str(tmp_path / 'downloads'))
    try:
        driver.get(url)
        _upload(driver, app_videos['clip'])
        box = _person_box(driver)
        status = _run(driver)
        assert 'clip.mp4' in status and '36 frames' in status, status
        # the overlay video plays: the browser decoded it and knows its duration
        duration = _wait(lambda: driver.execute_script(
            "const v = document.querySelector('#overlay video');"
            "return v && v.readyState >= 1 ? v.duration : null;"), what='the overlay video')
        assert duration == pytest.approx(36 / 30, abs=0.1)
        # the 3D view holds every frame on its time slider
        steps = _wait(lambda: driver.execute_script(
            "const p = document.querySelector('#view3d .js-plotly-plot');"
            "return p && p.layout && p.layout.sliders ? p.layout.sliders[0].steps.length : null;"),
            timeout=60, what='the 3D view')
        assert steps == 36
        # what the browser downloads is what tools/infer_skeleton.py writes for the same file
        got = np.load(_download(driver, str(tmp_path / 'downloads'), '_3d.npz'))
        bvh = _download(driver, str(tmp_path / 'downloads'), '_fused.bvh')
        assert open(bvh).read().startswith('HIERARCHY')
    finally:
        driver.quit()
    want = _infer_skeleton(app_videos['clip'], box, str(tmp_path / 'cli'), realvideo_checkpoint)
    assert sorted(got.files) == sorted(want.files)
    for key in want.files:
        if want[key].dtype.kind == 'U':              # e.g. gravity_source: the same words
            assert str(got[key]) == str(want[key]), key
        else:
            np.testing.assert_allclose(got[key], want[key], atol=1e-6, err_msg=key)


def test_bad_uploads_give_a_message_and_the_server_stays_up(app_server, app_videos, tmp_path):
    url, _ = app_server
    driver = _browser(str(tmp_path / 'downloads'))
    try:
        driver.get(url)
        status = ''
        for key, words in (('text', 'not a video that can be decoded'),
                           ('empty', 'empty'), ('zero', 'no frames'),
                           ('nobody', 'no person was found')):
            _clear_upload(driver)
            _upload(driver, app_videos[key])
            status = _run(driver, status)
            assert words in status and osp.basename(app_videos[key]) in status, (key, status)
        # over the limit: Gradio refuses the upload itself, and says so on the page
        _clear_upload(driver)
        _upload(driver, app_videos['big'], wait=False)
        _wait(lambda: 'exceed the maximum allowed size' in driver.page_source,
              timeout=30, what='the size-limit message')
        # the next upload works
        _clear_upload(driver)
        _upload(driver, app_videos['clip'])
        _person_box(driver)
        status = _run(driver, status)
        assert '36 frames' in status, status
    finally:
        driver.quit()


def test_two_sessions_at_once_get_their_own_results_then_their_files_go(app_server, app_videos,
                                                                        tmp_path):
    url, app_dir = app_server

    def listed():
        return set(os.listdir(osp.join(app_dir, 'sessions')))

    before = listed()
    drivers = [_browser(str(tmp_path / f'downloads{i}')) for i in range(2)]
    try:
        for driver, key in zip(drivers, ('clip', 'mirrored')):
            driver.get(url)
            _upload(driver, app_videos[key])
        for driver in drivers:
            _person_box(driver)
        from selenium.webdriver.common.by import By
        for driver in drivers:          # both press Run before either finishes
            driver.find_element(By.CSS_SELECTOR, '#run').click()
        statuses = [_wait(lambda d=d: _finished_status(d), what='a status') for d in drivers]
        assert 'clip.mp4' in statuses[0] and 'mirrored.mp4' in statuses[1], statuses
        results = [np.load(_download(d, str(tmp_path / f'downloads{i}'), '_3d.npz'))
                   for i, d in enumerate(drivers)]
        sessions = listed() - before
        assert len(sessions) == 2, sessions
    finally:
        for driver in drivers:
            driver.quit()
    # each session got its own clip's result: the mirrored clip's 2D is the clip's, mirrored
    a, b = (r['keypoints_2d_image'] for r in results)
    both = np.isfinite(a).all(-1) & np.isfinite(b).all(-1)
    assert both.sum() > 100
    mirrored = np.median(np.abs((447 - a[..., 0]) - b[..., 0])[both])
    same = np.median(np.abs(a[..., 0] - b[..., 0])[both])
    assert mirrored < 10 and same > 3 * mirrored, (mirrored, same)
    # the sessions are over: their folders and their uploads are gone
    _wait(lambda: not sessions & listed(), timeout=90,
          what=lambda: f'the session folders to be removed (left: {sessions & listed()})')
    left = [f for f in glob.glob(osp.join(app_dir, 'uploads', '**', '*.mp4'), recursive=True)
            if osp.basename(f) in ('clip.mp4', 'mirrored.mp4')]
    assert not left, left



def _call_api(url, api, data):
    """Call one of the app's events over HTTP as a page could, bypassing the page's widgets:
    ``(event, data)`` of the first event the server streams back."""
    import json

    import httpx
    base = url + 'gradio_api/call/' + api
    event_id = httpx.post(base, json=dict(data=data), timeout=30).json()['event_id']
    with httpx.stream('GET', f'{base}/{event_id}', timeout=300) as stream:
        event = None
        for line in stream.iter_lines():
            if line.startswith('event:'):
                event = line.split(':', 1)[1].strip()
            elif line.startswith('data:') and event in ('complete', 'error'):
                return event, json.loads(line.split(':', 1)[1])
    raise AssertionError(f'no result from {api}')


def test_the_server_reads_no_path_the_page_sends(app_server, app_videos):
    url, app_dir = app_server

    def file(path):
        return dict(path=path, meta={'_type': 'gradio.FileData'})

    # a file of the machine: Gradio itself refuses it
    event, data = _call_api(url, 'video_to_3d', [file('/etc/hostname'), 'test model', None])
    assert event == 'error' and 'not uploaded by a user' in str(data), data
    # a file the app serves itself (another session's folder): the app refuses it
    other = osp.join(app_dir, 'sessions', 'someone-else', 'run-1')
    os.makedirs(other, exist_ok=True)
    target = osp.join(other, 'private.mp4')
    shutil.copyfile(app_videos['clip'], target)
    event, data = _call_api(url, 'video_to_3d', [file(target), 'test model', None])
    assert event == 'complete' and 'private.mp4: not a file uploaded to this app' in data[0]
    assert data[1:] == [None] * 6, data


def test_synthgym_tab_renders_a_clip_with_its_physics(app_server, tmp_path):
    from selenium.webdriver.common.by import By
    url, _ = app_server
    driver = _browser(str(tmp_path / 'downloads'))
    try:
        driver.get(url)
        tab = _wait(lambda: [t for t in driver.find_elements(By.CSS_SELECTOR, 'button[role=tab]')
                             if t.text == 'SynthGym'], timeout=60, what='the SynthGym tab')[0]
        tab.click()
        _wait(lambda: driver.find_elements(By.CSS_SELECTOR, '#sg-run'), timeout=30,
              what='the Render button')[0].click()
        status = _wait(lambda: (t := _text(driver, '#sg-status')) and
                       not re.match(r'(processing|queue)', t) and t, what='the SynthGym status')
        frames = int(re.search(r'(\d+) frames at 30 fps', status).group(1))
        g = float(re.search(r'g = ([\d.]+) m/s² \(true 9.807\)', status).group(1))
        assert abs(g - 9.807) < 0.01, status
        duration = _wait(lambda: driver.execute_script(
            "const v = document.querySelector('#sg-video video');"
            "return v && v.readyState >= 1 ? v.duration : null;"), what='the rendered clip')
        assert duration == pytest.approx(frames / 30, abs=0.1)
        steps = _wait(lambda: driver.execute_script(
            "const p = document.querySelector('#sg-3d .js-plotly-plot');"
            "return p && p.layout && p.layout.sliders ? p.layout.sliders[0].steps.length : null;"),
            timeout=60, what='the 3D view')
        assert steps == frames
    finally:
        driver.quit()
