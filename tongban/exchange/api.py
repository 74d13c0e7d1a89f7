"""The exchange's ninja routers (thin): the gateway at /exchange/v1/, the CKAN facade at /api/3/action/."""
