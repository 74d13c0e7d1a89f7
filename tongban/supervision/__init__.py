"""互联网+监管 (supervision): entities and credit, 双随机一公开, joint tasks, IoT."""
