"""12345 政务服务便民热线: tickets across levels, knowledge base, Open311 facade."""
