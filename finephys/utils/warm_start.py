"""Start the project's Python tools warm: forked from a process that has already imported the
heavy libraries, instead of a fresh interpreter each.

Why: every step of ``make demo`` is a tool run in its own interpreter, and each one imports
torch, OpenCV, mmengine (whose optimizer registry imports transformers and peft to register
``Adafactor``) and the project's models before its first line of work: ~6.5 s of one core per
tool on the 2-core machine (``python tools/test.py CONFIG missing.pth`` fails after 6.5 s), 24
times per demo. A server process (:func:`serve`: those modules imported once, then a loop)
forks a child per tool instead. The child:

* runs the script as ``__main__`` with its own ``sys.argv``, environment, working directory and
  ``sys.path`` (the script's folder first, then ``PYTHONPATH``), as ``python script.py args``;
* writes its stdout and stderr (Python's and the C libraries', file descriptors 1 and 2) to the
  step's log, unbuffered;
* exits with the script's status (``SystemExit``'s code; 1 and a traceback for an uncaught
  exception), after its threads and ``atexit`` functions, like an interpreter.

Each tool still has its own process (nothing a step sets is seen by the next; a crash ends only
its step), and computes the numbers it computes when started cold: the server only imports —
it runs no torch operation — so OpenMP's thread pool is first created in the child, with the
child's thread count, as in a fresh process (PyTorch's DataLoader forks its workers from
processes with the same libraries loaded). What the server fixes for all its children is what
libraries read once at load time: ``OMP_WAIT_POLICY`` (``server_env``).

The protocol (the server's stdin and stdout, one JSON object a line): ``ready`` once the imports
are done; a request ``{"script", "argv", "log", "env", "cwd"}`` is answered ``{"pid"}``; when a
child ends, ``{"pid", "returncode"}`` (negative: killed by that signal). The server ends when its
stdin closes.
"""
import atexit
import io
import json
import os
import os.path as osp
import runpy
import select
import signal
import subprocess
import sys
import threading
import traceback
from typing import Dict, Optional, Sequence

#: What a tool of this project imports before its work begins (the slow part of its start).
DEFAULT_PRELOAD = ('numpy', 'scipy.optimize', 'torch', 'cv2', 'matplotlib', 'mmengine.optim',
                   'mmengine.runner', 'finephys.datasets', 'finephys.models',
                   'finephys.evaluation', 'finephys.engine', 'diffusers')


def run_script_as_main(script: str, argv: Sequence[str], log_path: str, env: Dict[str, str],
                       cwd: str, err_path: Optional[str] = None,
                       base_path: Optional[Sequence[str]] = None) -> int:
    """The body of a warm-started child: ``python script argv...`` in this (forked) process.
    Also the body of the test suite's warm tool runs (``tests/tool_process.py``).

    Args:
        script (str): the tool (a path; relative ones are taken from ``cwd``).
        argv (list[str]): its arguments.
        log_path (str): file that receives stdout, and stderr unless ``err_path`` is given
            (truncated first).
        env (dict): the environment the tool sees (``os.environ`` is replaced). Its
            ``OMP_NUM_THREADS``, which torch read when the server imported it, is applied again.
        cwd (str): its working directory.
        err_path (str, optional): a separate file for stderr.
        base_path (list[str], optional): the interpreter's own ``sys.path`` entries (stdlib,
            site-packages), after the script's folder and ``PYTHONPATH``; default: this
            process's, less ``''``.

    Returns:
        int: the exit status, as the interpreter would give it.
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
    out = os.open(log_path, flags, 0o644)
    err = os.open(err_path, flags, 0o644) if err_path else out
    os.dup2(out, 1)
    os.dup2(err, 2)
    for fd in {out, err}:
        os.close(fd)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    # unbuffered, as the tools' subprocesses run (PYTHONUNBUFFERED): RESULT lines reach the log
    # whole, in order with the progress bars
    sys.stdout = io.TextIOWrapper(io.FileIO(1, 'w', closefd=False), encoding='utf-8',
                                  errors='backslashreplace', write_through=True)
    sys.stderr = io.TextIOWrapper(io.FileIO(2, 'w', closefd=False), encoding='utf-8',
                                  errors='backslashreplace', write_through=True)
    sys.stdin = io.TextIOWrapper(io.FileIO(0, 'r', closefd=False), encoding='utf-8')
    os.chdir(cwd)
    os.environ.clear()
    os.environ.update(env)
    if env.get('OMP_NUM_THREADS', '').isdigit() and 'torch' in sys.modules:
        sys.modules['torch'].set_num_threads(int(env['OMP_NUM_THREADS']))
    script = osp.abspath(script)
    # the sys.path of `python script.py`: the script's folder, PYTHONPATH, then the
    # interpreter's own (stdlib, site-packages) — not the server's '' (its working directory)
    own = [p for p in (sys.path if base_path is None else base_path) if p]
    extra = [osp.abspath(p) for p in env.get('PYTHONPATH', '').split(os.pathsep) if p]
    sys.path[:] = list(dict.fromkeys([osp.dirname(script), *extra, *own]))
    sys.argv = [script, *argv]
    code = 0
    try:
        runpy.run_path(script, run_name='__main__')
    except SystemExit as exit_:
        code = exit_.code
        if code is None:
            code = 0
        elif not isinstance(code, int):
            print(code, file=sys.stderr)      # sys.exit('message'): printed, status 1
            code = 1
    except BaseException:  # noqa: B036 - as the interpreter: print it, exit 1
        traceback.print_exc()
        code = 1
    # what an interpreter does on its way out: wait for non-daemon threads, then atexit (a
    # tool's log handlers, TensorBoard writer, temporary folders)
    for thread in threading.enumerate():
        if thread is not threading.current_thread() and not thread.daemon:
            thread.join()
    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    return code


def serve(preload: Sequence[str] = ()) -> None:
    """The server's loop (see the module's docstring): import ``preload`` (a module that fails
    to import is skipped: its tools import it themselves), answer ``ready``, then fork a child
    per request and report each child's end."""
    for name in preload:
        try:
            __import__(name)
        except ImportError:
            pass
    out = os.fdopen(os.dup(1), 'w', buffering=1)

    def reply(**message):
        out.write(json.dumps(message) + '\n')

    reply(ready=True)
    children, pending, eof = set(), b'', False
    while not eof or children:
        readable = []
        if not eof:
            readable, _, _ = select.select([0], [], [], 0.05 if children else None)
        elif children:
            select.select([], [], [], 0.05)
        if readable:
            chunk = os.read(0, 1 << 16)
            eof = not chunk
            pending += chunk
            while b'\n' in pending:
                line, pending = pending.split(b'\n', 1)
                request = json.loads(line)
                pid = os.fork()
                if pid == 0:                  # the child: the tool, then its status
                    code = 1
                    try:
                        out.close()
                        code = run_script_as_main(request['script'], request['argv'],
                                                  request['log'], request['env'],
                                                  request['cwd'])
                    finally:
                        os._exit(code)
                children.add(pid)
                reply(pid=pid)
        for pid in list(children):
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                children.discard(pid)
                reply(pid=pid, returncode=os.waitstatus_to_exitcode(status))


class WarmProcess:
    """A warm-started tool, with the part of :class:`subprocess.Popen`'s interface the lanes
    use (``pid``, ``wait``, ``poll``, ``terminate``, ``returncode``)."""

    def __init__(self, pid: int, starter: 'WarmToolStarter'):
        self.pid, self._starter = pid, starter

    @property
    def returncode(self) -> Optional[int]:
        """Exit status (negative: killed by that signal), None while running."""
        return self._starter.returncode(self.pid)

    def poll(self) -> Optional[int]:
        return self.returncode

    def wait(self, timeout: Optional[float] = None) -> Optional[int]:
        """Wait for the tool to end; its exit status (None: still running after ``timeout``)."""
        return self._starter.wait(self.pid, timeout)

    def terminate(self) -> None:
        if self.returncode is None:
            try:
                os.kill(self.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass


class WarmToolStarter:
    """Start ``python script.py args`` command lines as children of a server process that has
    ``preload`` imported (see the module's docstring).

    Args:
        preload (sequence of str): modules the server imports once.
        server_env (dict, optional): variables the server starts with, on top of this process's
            environment: what libraries read once at load time (``OMP_WAIT_POLICY``).
    """

    def __init__(self, preload: Sequence[str] = DEFAULT_PRELOAD,
                 server_env: Optional[Dict[str, str]] = None):
        self.preload = list(preload)
        self.server_env = dict(server_env or {})
        #: the server process (None before :meth:`start_server` and after :meth:`close`)
        self.server: Optional[subprocess.Popen] = None
        self._closed = False
        self._lock = threading.Lock()             # one request at a time
        self._changed = threading.Condition()     # a reply arrived
        self._ready = False
        self._started = []                        # pids, in the order the server answered
        self._returncodes: Dict[int, int] = {}

    @staticmethod
    def can_start(args: Sequence[str]) -> bool:
        """Whether ``args`` is ``<this interpreter> script.py ...`` (what a fork of this
        interpreter can run: no interpreter options)."""
        return (len(args) >= 2 and osp.realpath(args[0]) == osp.realpath(sys.executable)
                and args[1].endswith('.py') and not args[1].startswith('-'))

    def start_server(self) -> None:
        """Start the server now (it imports ``preload`` in the background; the first
        :meth:`start` waits for it). Called again, does nothing.

        Raises:
            RuntimeError: after :meth:`close`.
        """
        with self._lock:
            if self._closed:
                raise RuntimeError('WarmToolStarter: closed')
            if self.server is not None:
                return
            from .tool_runner import ROOT, tool_env
            env = dict(tool_env(), **self.server_env)
            self.server = subprocess.Popen(
                [sys.executable, '-c', 'import sys; from finephys.utils.warm_start import serve; '
                 'serve(sys.argv[1:])', *self.preload],
                cwd=ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
            threading.Thread(target=self._read_replies, args=(self.server,), daemon=True,
                             name='warm-start-replies').start()

    def _read_replies(self, server):
        for line in server.stdout:
            message = json.loads(line)
            with self._changed:
                if message.get('ready'):
                    self._ready = True
                elif 'returncode' in message:
                    self._returncodes[message['pid']] = message['returncode']
                else:
                    self._started.append(message['pid'])
                self._changed.notify_all()
        with self._changed:               # the server is gone: nothing more will end
            self._ready = None
            self._changed.notify_all()

    def start(self, args: Sequence[str], log_path: str, env: Dict[str, str],
              cwd: str) -> WarmProcess:
        """Start ``args`` (``[python, script, *argv]``, see :meth:`can_start`) as a child of
        the server; its output goes to ``log_path``.

        Returns:
            WarmProcess: the running tool.

        Raises:
            RuntimeError: the server has ended (or :meth:`close` was called).
        """
        if not self.can_start(args):
            raise ValueError(f'WarmToolStarter: cannot start {list(args)[:2]} warm (expected '
                             f'[{sys.executable}, script.py, ...])')
        self.start_server()
        request = dict(script=osp.join(cwd, args[1]), argv=list(args[2:]),
                       log=osp.abspath(log_path), env=dict(env), cwd=cwd)
        with self._lock:
            with self._changed:
                self._changed.wait_for(lambda: self._ready is not False)
                if self._ready is None:
                    raise RuntimeError('WarmToolStarter: the server has ended')
                before = len(self._started)
            try:
                self.server.stdin.write((json.dumps(request) + '\n').encode())
                self.server.stdin.flush()
            except (OSError, ValueError) as err:      # a dead server's pipe
                raise RuntimeError(f'WarmToolStarter: the server has ended ({err})') from err
            with self._changed:
                self._changed.wait_for(lambda: len(self._started) > before or
                                       self._ready is None)
                if len(self._started) == before:
                    raise RuntimeError('WarmToolStarter: the server has ended')
                return WarmProcess(self._started[before], self)

    def returncode(self, pid: int) -> Optional[int]:
        """The exit status of the child ``pid`` (None while it runs)."""
        with self._changed:
            return self._returncodes.get(pid)

    def wait(self, pid: int, timeout: Optional[float] = None) -> Optional[int]:
        """Wait for the child ``pid`` to end; its exit status (None after ``timeout``)."""
        with self._changed:
            self._changed.wait_for(lambda: pid in self._returncodes or self._ready is None,
                                   timeout)
            if pid not in self._returncodes and self._ready is None:
                raise RuntimeError(f'WarmToolStarter: the server ended before child {pid}')
            return self._returncodes.get(pid)

    def close(self) -> None:
        """End the server once its running children have ended; no tool starts after."""
        with self._lock:
            server, self.server, self._closed = self.server, None, True
        if server is not None:
            try:
                server.stdin.close()
            except OSError:
                pass
            server.wait()
