"""An outbox worker in a process of its own, for the tests that run several at once. It builds the app as
`flask --app civic` does (settings from the environment and the instance folder), says it is ready with a file
in the folder named on the command line and waits there for the file "go", so that every worker starts at the
same moment; then it runs worker rounds until one finds nothing left to claim, and prints how many messages
it sent."""
from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

from civic import create_app
from civic.database import db
from civic.outbox.services import deliver_pending


def main(folder: Path) -> None:
    app = create_app()
    (folder / f"ready-{os.getpid()}").touch()
    while not (folder / "go").exists():
        time.sleep(0.005)
    sent = 0
    with app.app_context():
        while True:
            counts = deliver_pending(limit=10)
            db.session.remove()
            sent += counts["sent"]
            if not any(counts.values()):
                break
    print(json.dumps({"sent": sent}))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
