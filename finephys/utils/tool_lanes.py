"""Run chains of tool subprocesses side by side ("lanes"), for drivers such as
``tools/demo.py`` on a machine with few cores.

Why: ``make demo`` is two chains that meet only at a few checkpoints — the skeleton path
(training and evaluating small models: Python-bound, one core busy) and the generator (UNet
passes: compute-bound, both cores). One after the other, the second core idles through most of
the first chain. Side by side, each keeps its own thread count, so every step computes exactly
the numbers it computes alone (torch's reductions depend on the number of threads, not on what
else runs); only the wait policy of OpenMP changes while another lane is busy:
``OMP_WAIT_POLICY=PASSIVE`` lets a finished parallel region's threads sleep instead of spinning
on a core the other lane needs. Measured on 2 cores (stage-1 training, 12 epochs, + 20 backbone
pretraining iterations): one after the other 102 s; side by side with OpenMP's threads
spinning 92–146 s (by spin count); side by side with ``PASSIVE`` 73 s. Alone, ``PASSIVE`` is
slower (1.9 → 2.5 s per backbone iteration), so a step gets it only when it starts while another
lane is running.

With ``warm_preload``, a Python tool is forked from a server that has the heavy libraries
imported (:mod:`finephys.utils.warm_start`) instead of a fresh interpreter: ~6.5 s of imports
saved per step, the same numbers. OpenMP reads its wait policy once, when the server imports
torch, so there are two servers: one started with ``OMP_WAIT_POLICY=PASSIVE`` for the steps that
start while another lane is running, and one with the environment's own policy for the steps
that start alone (the tail of the longer lane, or every step of a single lane).
"""
import os
import os.path as osp
import re
import subprocess
import threading
import time
from concurrent.futures import Future
from typing import Callable, Dict, List, Optional, Sequence

from .tool_runner import ROOT, call_tool_main, tool_env
from .warm_start import WarmToolStarter

RESULT_LINE = re.compile(r'^RESULT (\S+?)=(\S+)\s*$')


class StepFailed(RuntimeError):
    """A lane's step exited non-zero (the message holds the tail of its log)."""


class LaneAborted(RuntimeError):
    """A lane stopped because another lane failed first."""


def read_results(text: str) -> Dict[str, float]:
    """``RESULT name=value`` lines of a tool's output (a progress bar's carriage returns may
    precede them) as a dict of floats.

    Args:
        text (str): the tool's output.

    Returns:
        dict: name → value, in the order printed (a repeated name keeps its last value).
    """
    results = {}
    for line in re.split(r'[\r\n]', text):
        match = RESULT_LINE.match(line)
        if match:
            results[match.group(1)] = float(match.group(2))
    return results


class ToolLanes:
    """Run tools as subprocesses from several lanes (threads) at once.

    Each step's stdout and stderr go to ``<log_dir>/NN_<tool>.log``; the console gets one line
    when a step starts and one when it ends, prefixed with the lane's name; ``<log_dir>/
    steps.tsv`` gets lane, step, seconds, whether the cores were shared and whether it started
    warm. When a step fails, the other lanes' running steps are terminated, their waits on
    :meth:`promise` values end with :class:`LaneAborted`, and :meth:`run_lanes` raises the first
    failure.

    Args:
        log_dir (str): folder for the steps' logs (created).
        echo (callable): where console lines go (``print`` by default).
        warm_preload (sequence of str, optional): Start a Python tool (``[sys.executable,
            script.py, ...]``) from a :class:`WarmToolStarter` with these modules imported —
            :attr:`warm` (``OMP_WAIT_POLICY=PASSIVE``) for a step that begins while another
            lane is running, :attr:`warm_alone` (the environment's policy) for one that begins
            alone; their servers are started by :meth:`run_lanes`, ended by :meth:`close`;
            ``steps.tsv`` marks those steps. None: every step is a fresh interpreter.
    """

    def __init__(self, log_dir: str, echo: Callable[[str], None] = print,
                 warm_preload: Optional[Sequence[str]] = None):
        self.log_dir = log_dir
        self.warm = None if warm_preload is None else WarmToolStarter(
            warm_preload, server_env=dict(OMP_WAIT_POLICY='PASSIVE'))
        self.warm_alone = None if warm_preload is None else WarmToolStarter(warm_preload)
        os.makedirs(log_dir, exist_ok=True)
        open(osp.join(log_dir, 'steps.tsv'), 'w').close()
        self.echo = echo
        self._lock = threading.Lock()
        self._local = threading.local()
        self._steps = 0
        self._lanes_alive = 0
        self._processes: list = []          # subprocess.Popen or WarmProcess
        self._promises: List[Future] = []
        self._aborted = False
        #: (lane, step name, seconds, shared cores) of every finished step, in order
        self.timings: List[tuple] = []
        #: names of the steps started warm (:class:`WarmToolStarter`)
        self.warm_steps: List[str] = []

    @property
    def lane(self) -> str:
        """The calling thread's lane name ('main' outside :meth:`run_lanes`)."""
        return getattr(self._local, 'name', 'main')

    def promise(self) -> Future:
        """A value one lane sets (``.set_result``) and another waits for (``.result()``); a
        failure elsewhere ends the wait with :class:`LaneAborted`."""
        future = Future()
        with self._lock:
            self._promises.append(future)
        return future

    def _sharing(self) -> bool:
        with self._lock:
            return self._lanes_alive > 1

    def run(self, args: Sequence[str], name: Optional[str] = None) -> str:
        """Run ``args`` from the repository root; return its output (stdout and stderr).

        Args:
            args (list[str]): the command line.
            name (str, optional): the step's name in the console and its log's file name
                (default: the script's base name).

        Returns:
            str: everything the tool printed.

        Raises:
            StepFailed: exit status ≠ 0 (with the last 30 lines of its log).
            LaneAborted: another lane failed before or while this step ran.
        """
        name = name or osp.splitext(osp.basename(args[1] if len(args) > 1 else args[0]))[0]
        with self._lock:
            if self._aborted:
                raise LaneAborted(f'{name}: not started, another lane failed')
            self._steps += 1
            log = osp.join(self.log_dir, f'{self._steps:02d}_{name}.log')
        shared = self._sharing()
        env = tool_env()
        # unbuffered: RESULT lines reach the log whole, in order with the progress bars
        env['PYTHONUNBUFFERED'] = '1'
        if shared:
            env['OMP_WAIT_POLICY'] = 'PASSIVE'
        server = 'warm' if shared else 'warm_alone'       # the one whose wait policy fits
        with self._lock:
            starter = getattr(self, server)
        warm = starter is not None and starter.can_start(args)
        self.echo(f'[{self.lane}] $ {" ".join(args)}  (log: {osp.relpath(log)}'
                  + (', warm start)' if warm else ')'))
        t0 = time.time()
        if warm:
            try:
                process = starter.start(args, log, env, ROOT)
            except RuntimeError as err:
                # the server is gone (killed, or a preload crashed it): this step and the
                # next ones it would serve start cold, as they would without warm starts
                self.echo(f'[{self.lane}] warm start unavailable ({err}); {name} starts cold')
                with self._lock:
                    setattr(self, server, None)
                warm = False
        if not warm:
            with open(log, 'w') as out:
                process = subprocess.Popen(list(args), cwd=ROOT, env=env, stdout=out,
                                           stderr=subprocess.STDOUT)
        with self._lock:
            self._processes.append(process)
        status = process.wait()
        with self._lock:
            self._processes.remove(process)
        seconds = time.time() - t0
        text = open(log, errors='replace').read()
        if status != 0:
            with self._lock:
                aborted = self._aborted
            if aborted:
                raise LaneAborted(f'{name}: stopped, another lane failed')
            tail = '\n'.join(text.replace('\r', '\n').splitlines()[-30:])
            raise StepFailed(f'{name} exited with status {status} after {seconds:.0f} s '
                             f'(log: {log}); its last lines:\n{tail}')
        self._record(name, seconds, shared, warm)
        self.echo(f'[{self.lane}] [{seconds:.0f} s] {name}' + (' (cores shared)' if shared
                                                                else '')
                  + (' (warm start)' if warm else ''))
        return text

    def run_results(self, args: Sequence[str], name: Optional[str] = None) -> Dict[str, float]:
        """:meth:`run`, then its ``RESULT name=value`` lines as a dict (echoed)."""
        results = read_results(self.run(args, name))
        for key, value in results.items():
            self.echo(f'[{self.lane}]   RESULT {key}={value:g}')
        return results

    def _record(self, name: str, seconds: float, shared: bool, warm: bool = False) -> None:
        with self._lock:
            self.timings.append((self.lane, name, seconds, shared))
            if warm:
                self.warm_steps.append(name)
            with open(osp.join(self.log_dir, 'steps.tsv'), 'a') as f:
                f.write(f'{self.lane}\t{name}\t{seconds:.1f}\t{int(shared)}\t{int(warm)}\n')

    def run_in_process(self, script: str, argv: Sequence[str], name: Optional[str] = None) -> None:
        """Call a light tool's ``main(argv)`` in this process (see
        :func:`~finephys.utils.tool_runner.run_tool_in_process`), echoed with the lane's
        name; what it prints goes to the console.

        Args:
            script (str): the tool, relative to the repository root.
            argv (list[str]): its arguments.
            name (str, optional): the step's name (default: the script's base name).
        """
        name = name or osp.splitext(osp.basename(script))[0]
        with self._lock:
            if self._aborted:
                raise LaneAborted(f'{name}: not started, another lane failed')
        self.echo(f'[{self.lane}] $ python {script} {" ".join(argv)}  (in process)')
        t0 = time.time()
        call_tool_main(script, argv)
        seconds = time.time() - t0
        self._record(name, seconds, False)
        self.echo(f'[{self.lane}] [{seconds:.0f} s] {name} (in process)')

    def close(self) -> None:
        """End the warm-start servers (if any) once their running steps have ended."""
        for starter in (self.warm, self.warm_alone):
            if starter is not None:
                starter.close()

    def abort(self) -> None:
        """Terminate every running step and end every wait on a promise."""
        with self._lock:
            self._aborted = True
            processes, promises = list(self._processes), list(self._promises)
        for process in processes:
            process.terminate()
        for future in promises:
            if not future.done():
                future.set_exception(LaneAborted('another lane failed'))

    def run_lanes(self, **lanes: Callable[[], object]) -> Dict[str, object]:
        """Run each callable in its own thread (named by its keyword), wait for all.

        Args:
            **lanes: name → a function of no arguments that runs its steps in order.

        Returns:
            dict: name → what the function returned.

        Raises:
            The first lane's error (another lane's :class:`LaneAborted` is not reported);
            ``KeyboardInterrupt`` terminates the running steps first.
        """
        returned, errors = {}, []

        def body(name, function):
            self._local.name = name
            try:
                returned[name] = function()
            except BaseException as error:  # noqa: B036 - every failure stops the others
                with self._lock:
                    errors.append(error)
                self.abort()
            finally:
                with self._lock:
                    self._lanes_alive -= 1

        with self._lock:
            self._lanes_alive += len(lanes)
        # the servers import in the background while the lanes begin
        if self.warm is not None and len(lanes) > 1:
            self.warm.start_server()
        if self.warm_alone is not None:
            self.warm_alone.start_server()
        threads = [threading.Thread(target=body, args=item, name=f'lane-{item[0]}', daemon=True)
                   for item in lanes.items()]
        for thread in threads:
            thread.start()
        try:
            for thread in threads:
                while thread.is_alive():
                    thread.join(0.5)
        except KeyboardInterrupt:
            self.abort()
            raise
        first = [e for e in errors if not isinstance(e, LaneAborted)] or errors
        if first:
            raise first[0]
        return returned
