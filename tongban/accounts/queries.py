from .models import User


def staff_department_id(user) -> int | None:
    return getattr(user, "department_id", None)


def has_role(user, role: str) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return user.is_superuser or user.groups.filter(name=role).exists()


def get_user(pk: int) -> User | None:
    return User.objects.filter(pk=pk).first()
