import sys

from tekpy.cli.main import main

sys.exit(main())
