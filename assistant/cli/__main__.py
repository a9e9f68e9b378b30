"""`python -m assistant.cli` is `study`."""
import sys

from assistant.cli import main

sys.exit(main())
