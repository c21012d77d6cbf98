import sys

from outreach.hub.cli import main

sys.exit(main())
