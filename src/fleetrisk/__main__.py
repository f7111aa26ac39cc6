"""``python -m fleetrisk`` and the ``fleetrisk`` console script."""

import atexit
import gc
import os
import sys
import threading


def run() -> None:
    """Start the command line with the cyclic garbage collector off from the first import.

    A run is short and builds a large, acyclic object graph (the library's schema classes,
    then the model and its assessment); the collector would rescan it again and again for
    nothing.
    """
    gc.disable()
    from fleetrisk.cli import _common, main

    _common.KEEP_UNTIL_EXIT = True  # _leave ends the process without freeing what it holds

    try:
        main()
    except SystemExit as done:
        _leave(done)


def _leave(done: SystemExit) -> None:
    """Exit with ``done``'s code, skipping the interpreter's teardown when nothing needs it.

    Freeing a large assessment object by object at shutdown costs tens of milliseconds for
    nothing. When no exit handler is registered, no other thread runs and the standard streams
    flush cleanly, the process ends at once; otherwise it exits the ordinary way. Only the
    process entry points do this: :func:`fleetrisk.cli.main` itself raises SystemExit.
    """
    code = done.code
    if code is not None and not isinstance(code, int):
        raise done
    try:
        for stream in (sys.stdout, sys.stderr):
            if stream is not None:  # None when the stream was closed before the start
                stream.flush()
    except (OSError, ValueError):
        raise done from None
    if atexit._ncallbacks() or threading.active_count() > 1:
        raise done
    os._exit(code or 0)


if __name__ == "__main__":
    run()
