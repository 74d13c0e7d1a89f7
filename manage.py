#!/usr/bin/env python
"""tongban's command-line entry (also installed as `tongban`)."""

import sys

from tongban.__main__ import main

if __name__ == "__main__":
    sys.exit(main(sys.argv))
