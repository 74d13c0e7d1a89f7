"""placeholder"""


def active_jwk():
    raise NotImplementedError
