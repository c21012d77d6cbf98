"""``python -m outreach``, and the frozen app's entry point."""

import gc
import sys

# Starting up makes many objects that live as long as the process (modules, classes, Qt's
# wrappers) and little garbage, so the cyclic collector would only walk them: a few per
# cent of the time to the first window. main turns it back on for the commands, run_gui
# once that window is shown.
gc.disable()

from outreach.cli import main  # noqa: E402

sys.exit(main())
