import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))  # the payload and worker modules beside the tests
