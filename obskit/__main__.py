import sys

from obskit.cli.main import main

sys.exit(main())
