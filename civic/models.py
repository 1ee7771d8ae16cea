"""The platform's model modules, imported once so the metadata (create_all, Alembic) sees their tables. Each
feature's tables are imported with the feature itself (civic/features.py), which the app factory and
Alembic's env.py import too."""
from civic.accounts import models as accounts
from civic.audit import models as audit
from civic.bodies import models as bodies
from civic.consultations import models as consultations
from civic.core import ratelimit
from civic.outbox import models as outbox

PLATFORM_MODELS = (accounts, audit, bodies, consultations, outbox, ratelimit)
