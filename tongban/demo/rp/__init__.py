"""演示部门业务系统: a department system that signs people in through the platform's OpenID
Provider, written as an external relying party would be.

It lives in this project only so that `make run` serves it; it talks to the platform over HTTP
alone (discovery, authorization redirect, token endpoint, JWKS, userinfo, end-session), never
through the platform's models or services (an import-linter contract in pyproject.toml keeps it
so). `oidc.py` is the protocol, `views.py` the pages, `urls.py` mounted at /demo/department/.
"""
