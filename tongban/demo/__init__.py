"""The deterministic demo province (演示省份): Hubei's departments, catalogue and staff accounts.

`manage.py seed demo` builds it through the other apps' services; `manage.py demo_info` prints
where to look. See README.md.
"""
