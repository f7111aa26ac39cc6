"""``python -m fleetrisk`` and the ``fleetrisk`` console script."""

import gc


def run() -> None:
    """Start the command line with the cyclic garbage collector off from the first import.

    A run is short and builds a large, acyclic object graph (the library's schema classes,
    then the model and its assessment); the collector would rescan it again and again for
    nothing.
    """
    gc.disable()
    from fleetrisk.cli import main

    main()


if __name__ == "__main__":
    run()
