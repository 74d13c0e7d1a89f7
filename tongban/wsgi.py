import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tongban.settings")
application = get_wsgi_application()

# In production (TONGBAN_ENV=production) a missing, generated or published key stops the server
# here, naming each key, before it answers a single request.
from tongban.core.systemchecks import refuse_unsafe_keys  # noqa: E402

refuse_unsafe_keys()
