"""python -m fleetrisk"""

from fleetrisk.cli import main

main()
