"""Every portal page is public: browsing the catalogue, lists and indicators needs no sign-in.

Pages under "my space" (我的办件、我的证照 ...) arrive with the identity capability and will
check the signed-in person here with `rules` predicates.
"""
