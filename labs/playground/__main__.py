"""``python -m labs.playground serve --socket PATH [--parent PID]``: run the playground service."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from labs.playground.service import serve


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m labs.playground")
    commands = parser.add_subparsers(dest="command", required=True)
    serve_cmd = commands.add_parser("serve", help="serve playground sessions on a Unix socket")
    serve_cmd.add_argument("--socket", required=True, type=Path)
    serve_cmd.add_argument("--parent", type=int, default=None, help="exit when this process is gone")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s playground %(levelname)s %(message)s")
    serve(args.socket, parent=args.parent)


if __name__ == "__main__":
    main()
