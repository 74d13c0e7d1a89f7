"""Demo data (演示数据) as plain Python: departments, topics, materials and the catalogue.

Nothing here touches the database; `tongban.demo.services` turns it into rows through the
other apps' services. The data is in Chinese, as a Hubei platform publishes it.
"""
